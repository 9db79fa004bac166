# A CSIT 2019 testpmd-guest suite (tests/vpp/perf/vm_vhost/2n1l-10ge2p1x710-eth-l2xcbase-eth-2vhost-1vm-*,
# CSIT's own format; CSIT's "Configure guest VMs with dpdk-testpmd connected via vhost-user on node" written
# out for its one VM), ported to qemu-utils-remote: only its Settings imports changed (marked "Ported").
# Fixture of test/keywords/csit2019-vm.test.ts, which runs it on the real test bed; csit_stand_ins.resource
# stands in for CSIT's own resources.

*** Settings ***
# Stands in for CSIT's resources/libraries/robot/performance/performance_setup.robot, minus shared/vm.robot.
| Resource | csit_stand_ins.resource
# Ported: in place of resources/libraries/robot/shared/vm.robot (imported by CSIT's shared/default.robot).
| Resource | ../../../keywords/vm_2019.resource
| Force Tags | 2_NODE_SINGLE_LINK_TOPO | PERFTEST | HW_ENV | NDRPDR
| ... | ETH | L2XCFWD | BASE | VHOST | 1VM | VHOST_1024
| Suite Setup | Set up 2-node performance topology with DUT's NIC model
| ... | L2 | ${nic_name}
| Suite Teardown | Tear down 2-node performance topology
| Test Setup | Set up performance test
| Test Teardown | Tear down performance test with vhost and VM with dpdk-testpmd
| ... | ${dut1} | ${dut1_vm_refs}
| Test Template | Local Template
| Documentation | *RFC2544: Pkt throughput L2XC test cases with vhost and
| ... | 1 VM* (dpdk-testpmd io forwarding in the VM).

*** Variables ***
| ${nic_name}= | Intel-X710
| ${overhead}= | ${0}
| ${jumbo}= | ${False}
| ${perf_qemu_qsz}= | ${1024}
| ${qemu_id}= | ${1}

*** Keywords ***
| Local Template
| | [Arguments] | ${frame_size} | ${phy_cores} | ${rxq}=${None}
| | Set Test Variable | \${frame_size}
| | Given Add worker threads and rxqueues to all DUTs | ${phy_cores} | ${rxq}
| | And Apply startup configuration on all VPP DUTs
| | When Initialize L2 xconnect with Vhost-User | vm_count=${1}
| | ${dut1_vm_refs}= | Create Dictionary
| | ${sock1}= | Set Variable | /var/run/vpp/sock-${qemu_id}-1
| | ${sock2}= | Set Variable | /var/run/vpp/sock-${qemu_id}-2
| | ${nf_cpus}= | Create network function CPU list | DUT1
| | ... | chains=${1} | nodeness=${1} | chain_id=${1} | node_id=${1} | auto_scale=${True}
| | ${vm}= | Configure guest VM with dpdk-testpmd connected via vhost-user
| | ... | DUT1 | ${sock1} | ${sock2} | DUT1_VM1 | ${nf_cpus} | qemu_id=${qemu_id}
| | ... | jumbo=${jumbo} | perf_qemu_qsz=${perf_qemu_qsz} | use_tuned_cfs=${False}
| | ... | auto_scale=${True}
| | Set To Dictionary | ${dut1_vm_refs} | DUT1_VM1 | ${vm}
| | Set Test Variable | ${dut1_vm_refs}
| | Then Find NDR and PDR intervals using optimized search

*** Test Cases ***
| tc01-64B-1c-eth-l2xcbase-eth-2vhost-1vm-ndrpdr
| | [Tags] | 64B | 1C
| | frame_size=${64} | phy_cores=${1}
