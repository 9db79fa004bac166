# A CSIT 2019 NF density suite (tests/vpp/perf/vm_vhost/2n-10ge2p1x710-eth-l2bd-12vhost-1chain-6vm-*, CSIT's
# own format; the bare "| ..." lines of Robot 3 dropped, as Robot 7 reads them as empty values), ported to
# qemu-utils-remote: only its Settings imports changed (marked "Ported"). Fixture of
# test/keywords/csit2019-suite.test.ts; csit_stand_ins.resource stands in for CSIT's own resources.

*** Settings ***
# Stands in for CSIT's resources/libraries/robot/performance/performance_setup.robot, minus shared/vm.robot.
| Resource | csit_stand_ins.resource
# Ported: in place of resources/libraries/robot/shared/vm.robot (imported by CSIT's shared/default.robot).
| Resource | ../../../keywords/vm_2019.resource
| Force Tags | 2_NODE_SINGLE_LINK_TOPO | PERFTEST | HW_ENV | NDRPDR
| ... | ETH | L2BDMACLRN | BASE | VHOST | VM | VHOST_1024 | NF_DENSITY
| ... | NF_TESTPMD | CHAIN | 1R2C
| Suite Setup | Set up 2-node performance topology with DUT's NIC model
| ... | L2 | ${nic_name}
| Suite Teardown | Tear down 2-node performance topology
| Test Setup | Set up performance test
| Test Teardown | Tear down performance test with vhost
| Test Template | Local Template
| Documentation | *RFC2544: Pkt throughput L2BD test cases with 4 vhost 1 chain
| ... | 2 VMs* (testpmd mac forwarding in each VM).

*** Variables ***
| ${nic_name}= | Intel-X710
| ${overhead}= | ${0}
| ${jumbo}= | ${False}

*** Keywords ***
| Local Template
| | [Arguments] | ${frame_size} | ${phy_cores} | ${rxq}=${None}
| | Set Test Variable | \${frame_size}
| | Given Add worker threads and rxqueues to all DUTs | ${phy_cores} | ${rxq}
| | And Apply startup configuration on all VPP DUTs
| | When Initialize L2 bridge domains for multiple chains with Vhost-User
| | ... | nf_chains=${1} | nf_nodes=${2}
| | And Configure chains of NFs connected via vhost-user
| | ... | nf_chains=${1} | nf_nodes=${2} | jumbo=${jumbo}
| | ... | use_tuned_cfs=${False} | auto_scale=${False} | vnf=testpmd_mac
| | Then Find NDR and PDR intervals using optimized search

*** Test Cases ***
| tc01-64B-1c-eth-l2bd-4vhost-1chain-2vm-testpmd-ndrpdr
| | [Tags] | 64B | 1C
| | frame_size=${64} | phy_cores=${1}

| tc02-1518B-1c-eth-l2bd-4vhost-1chain-2vm-testpmd-ndrpdr
| | [Tags] | 1518B | 1C
| | frame_size=${1518} | phy_cores=${1}
