*** Settings ***
Documentation       CSIT HEAD's vm.robot keywords (keywords/vm_head.resource) called exactly as HEAD's suites call
...                 them (tests/vpp/perf/vm_vhost, nfv_density: arguments and suite variables), on dry-run DUTs
...                 with canned answers: nothing boots, the server runs for real. A 2x28 SMT DUT (siblings +56,
...                 the NICs on NUMA 0), as the reference's worked examples.
Library             Collections
Library             OperatingSystem
Library             Process
Library             head_topology.py
Resource            ../../keywords/vm_head.resource

Suite Setup         Start Suite Server
Suite Teardown      Stop Suite Server
Test Setup          Set Up HEAD Test
Test Teardown       Tear Down HEAD Test


*** Variables ***
${ROOT}             ${CURDIR}/../..
${CLI}              ${ROOT}/dist/cli.js
# False: use the server at ${QEMU_REMOTE_URI} (test/keywords/head-suite.test.ts runs one in process).
${HEAD_OWN_SERVER}    ${True}
# What a HEAD perf suite sets (its variables, Add worker threads to all DUTs 1 1, default.robot).
@{TG_pf1_mac}       3c:fd:fe:00:00:01
@{TG_pf2_mac}       3c:fd:fe:00:00:02
${cpu_count_int}    ${1}
${rxq_count_int}    ${1}
${nf_dtc}           ${1}
${nf_dtcr}          ${1}
${page_size}        2M
${jumbo}            ${False}
${DUT1_if1}         port1
${DUT1_if2}         port2


*** Test Cases ***
1x1 testpmd_io: CSV of pinned CPUs, VM dict in nodes, teardown removes it
    Configure chains of NFs connected via vhost-user
    ...    nf_chains=${1}    nf_nodes=${1}    jumbo=${jumbo}    use_tuned_cfs=${False}    auto_scale=${True}
    ...    vnf=testpmd_io
    Should Be Equal    ${cpu_alloc_str}    0,3,4,60
    Dictionary Should Contain Key    ${nodes}    DUT1_1
    Should Be Equal    ${nodes}[DUT1_1][type]    VM
    Should Be Equal    ${nodes}[DUT1_1][username]    testuser
    Should Be Equal    ${nodes}[DUT1_1][password]    Csit1234
    Should Be Equal As Integers    ${nodes}[DUT1_1][port]    10022
    Should Be Equal    ${nodes}[DUT1_1][interfaces][vhost1][socket]    /run/vpp/sock-1-1
    Additional Test Tear Down Action For vhost
    Dictionary Should Not Contain Key    ${nodes}    DUT1_1
    Should Be Equal    ${{sorted($nodes)}}    ${{['DUT1', 'TG']}}

1x2 testpmd_mac, nfv_density style (auto_scale False)
    Configure chains of NFs connected via vhost-user
    ...    nf_chains=${1}    nf_nodes=${2}    jumbo=${jumbo}    use_tuned_cfs=${False}    auto_scale=${False}
    ...    vnf=testpmd_mac
    # csit-head.md §3: VM2's main CPU is the sibling of VM1's.
    Should Be Equal    ${cpu_alloc_str}    0,3,4,60,59,5,61
    Dictionary Should Contain Key    ${nodes}    DUT1_1
    Dictionary Should Contain Key    ${nodes}    DUT1_2
    Should Be Equal    ${nodes}[DUT1_2][interfaces][vhost2][socket]    /run/vpp/sock-2-2
    Additional Test Tear Down Action For vhost
    Should Be Equal    ${{sorted($nodes)}}    ${{['DUT1', 'TG']}}

1x1 vppip4_2vhostvr1024
    Configure chains of NFs connected via vhost-user
    ...    nf_chains=${1}    nf_nodes=${1}    jumbo=${jumbo}    use_tuned_cfs=${False}    auto_scale=${True}
    ...    vnf=vppip4_2vhostvr1024
    Should Be Equal    ${cpu_alloc_str}    0,3,4,60
    Dictionary Should Contain Key    ${nodes}    DUT1_1

Two DUTs (3n style): each DUT's own VMs, one CSV
    ${dut2} =    Head Dry Run Dut    head-${TEST NAME}-dut2
    Set To Dictionary    ${nodes}    DUT2=${dut2}
    Configure chains of NFs connected via vhost-user
    ...    nf_chains=${1}    nf_nodes=${1}    jumbo=${jumbo}    use_tuned_cfs=${False}    auto_scale=${True}
    ...    vnf=vppl2xc_2vhostvr1024
    # DUT2 has no ${DUT2_if1}: HEAD's NUMA 0, the same CPUs.
    Should Be Equal    ${cpu_alloc_str}    0,3,4,60,3,4,60
    Should Be Equal    ${nodes}[DUT2_1][host]    ${dut2}[host]
    Additional Test Tear Down Action For vhost
    Should Be Equal    ${{sorted($nodes)}}    ${{['DUT1', 'DUT2', 'TG']}}

Unpinned: HEAD's 0,
    Configure chains of NFs connected via vhost-user    nf_nodes=${1}    vnf=testpmd_io    pinning=${False}
    Should Be Equal    ${cpu_alloc_str}    0,

On single node: iperf3 pair, as the gso suites
    [Setup]    Set Up HEAD Test    vcpus=${5}
    Set Test Variable    ${nf_dtc}    ${4}
    Set Test Variable    ${smt_used}    ${False}
    Configure chains of NFs connected via vhost-user on single node
    ...    DUT1    nf_chains=${1}    nf_nodes=${2}    vnf=iperf3    pinning=${True}    validate=${False}
    ...    fixed_auto_scale=${True}
    # csit-head.md §3: a shared main CPU; onto the vswitch's own CSV (here its start, 0).
    Should Be Equal    ${DUT1_cpu_alloc_str}    0,3,4,5,6,7,3,8,9,10,11
    Should Be Equal    ${cpu_alloc_str}    ${0}
    Dictionary Should Contain Key    ${nodes}    DUT1_1
    Dictionary Should Contain Key    ${nodes}    DUT1_2

Via passtrough: if1/if2 from DUT1's interface keys
    [Documentation]    HEAD's defaults ``${DUT1_${int}1}[0]`` / ``${DUT1_${int}2}[0]``, with HEAD's
    ...    ``_c_vpp_2vfpt_ip4base_plen24`` hook (no HEAD suite uses the keyword): both NICs passed through with
    ...    vfio-pci, checked on the DUT before the start.
    Set Test Variable    ${int}    prevf
    Set Test Variable    @{DUT1_prevf1}    port1
    Set Test Variable    @{DUT1_prevf2}    port2
    Configure chains of NFs connected via passtrough    nf_chains=${1}    nf_nodes=${1}    vnf=vpp_2vfpt_ip4base_plen24
    Should Be Equal    ${cpu_alloc_str}    0,3,4,60
    Dictionary Should Contain Key    ${nodes}    DUT1_1
    Additional Test Tear Down Action For vhost-pt
    Should Be Equal    ${{sorted($nodes)}}    ${{['DUT1', 'TG']}}


*** Keywords ***
Set Up HEAD Test
    [Documentation]    A fresh dry-run DUT1 (its VMs have ``vcpus`` vCPU threads) in a fresh ``${nodes}``.
    [Arguments]    ${vcpus}=${3}
    QEMU Test Setup
    ${dut} =    Head Dry Run Dut    head-${TEST NAME}    ${vcpus}
    ${tg} =    Create Dictionary    type=TG    host=head-tg
    ${nodes} =    Create Dictionary    TG=${tg}    DUT1=${dut}
    Set Test Variable    ${nodes}
    Set Test Variable    ${cpu_alloc_str}    ${0}

Tear Down HEAD Test
    Additional Test Tear Down Action For vhost
    ${vms} =    Evaluate    [key for key, node in $nodes.items() if node.get('type') == 'VM']
    Should Be Empty    ${vms}
    QEMU Test Teardown

Start Suite Server
    IF    ${HEAD_OWN_SERVER}    Start Own Server
    # The session this suite's keywords call by name, imported as robot --dryrun can (literal arguments).
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=vnf_manager    AS    vnf_manager

Start Own Server
    File Should Exist    ${CLI}    Build first: npx tsc -p tsconfig.json
    ${directory} =    Evaluate    tempfile.mkdtemp(prefix='qur-head-')    modules=tempfile
    Set Suite Variable    ${SERVER_DIR}    ${directory}
    Start Process    node    ${CLI}    --port    0    --port-file    ${directory}/port    --log-level    info
    ...    --qemu-option    accel\=tcg    --qemu-option    qemu_version\=7.2.0
    ...    alias=head_server    stdout=${directory}/server.out    stderr=${directory}/server.log
    Wait Until Created    ${directory}/port    timeout=60s
    ${port} =    Get File    ${directory}/port
    Set Suite Variable    ${QEMU_REMOTE_URI}    http://127.0.0.1:${port}

Stop Suite Server
    IF    ${HEAD_OWN_SERVER}    Stop Own Server

Stop Own Server
    ${result} =    Terminate Process    head_server    kill=False
    ${log} =    Get File    ${SERVER_DIR}/server.log
    Log    ${log}
    Remove Directory    ${SERVER_DIR}    recursive=True
    Should Be Equal As Integers    ${result.rc}    0    server exited with ${result.rc}: ${log}
