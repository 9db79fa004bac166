*** Settings ***
Documentation       CSIT HEAD's `Configure chains of NFs connected via vhost-user` (keywords/vm_head.resource) called
...                 as HEAD's vm_vhost and nfv_density suites call it, for real on the test bed: HEAD's boot path
...                 (Debian's kernel + the bed's initrd, 9p root ``virtioroot``, HEAD's init.sh and testpmd line
...                 run by Debian's dpdk-testpmd), vhost-user NICs to the host testpmd peer, pinned vCPUs, and
...                 frames counted on the peer: it sends on every port (flowgen) and counts what comes back, which
...                 can only have come through a guest.
...
...                 The bed is smaller than a CSIT testbed (2 CPUs, TCG): the suite sets the past-HEAD variables
...                 ``${VM_HEAD_FIRST_QEMU_ID}`` (ids 85-86), ``${VM_HEAD_MEM}`` (1024), ``${VM_HEAD_IMG}`` (the bed's
...                 HEAD kernel directory) and ``${VM_HEAD_SKIP_CPUS}`` (0), and the server's ``kernel_args`` add
...                 the bed's guest arguments plus ``default_hugepagesz=2M hugepages=320`` (HEAD's 512 pages are all
...                 of a 1024 MB guest). See docs/testbed.md, "CSIT HEAD boot path".
...                 Needs `bash scripts/testbed/setup.sh`; `QUR_SKIP_VM_TESTS=1` skips it (CI never sets it).
Library             Collections
Library             OperatingSystem
Library             Process
Variables           ../vm/testbed_variables.py
Resource            ../../keywords/vm_head.resource
Resource            head_bed.resource

Suite Setup         Start Bed Server
Suite Teardown      Stop Bed Server
Test Setup          Set Up Bed Test
Test Teardown       Tear Down Bed Test


*** Variables ***
${ROOT}             ${CURDIR}/../..
${CLI}              ${ROOT}/dist/cli.js
# HEAD suite variables (a 1-core vm_vhost suite: Add worker threads to all DUTs 1 1).
@{TG_pf1_mac}       02:00:00:00:00:01
@{TG_pf2_mac}       02:00:00:00:00:02
${cpu_count_int}    ${1}
${rxq_count_int}    ${1}
${nf_dtc}           ${1}
${nf_dtcr}          ${1}
${page_size}        2M
# The host testpmd peer (head_bed.resource): the bed's.
${HOST_TESTPMD_SCRIPT}    ${BED}[hostTestpmdScript]
# Past HEAD, the bed's size.
${VM_HEAD_FIRST_QEMU_ID}    ${85}
${VM_HEAD_MEM}      ${1024}
${VM_HEAD_SKIP_CPUS}    ${0}
${PEER_JUMBO}       --txpkts=9000 --mbuf-size=10240 --max-pkt-len=9200
# Seconds of traffic after the chain is up before the peer's counters are read.
${TRAFFIC_SECONDS}    10


*** Test Cases ***
1x1 testpmd_io, jumbo: pinned, 9000-byte frames through the guest both ways
    [Documentation]    A vm_vhost testpmd_io suite (9000B): HEAD's testpmd with ``--max-pkt-len=9145``; the peer
    ...    sends only 9000-byte frames, so what it receives back on each port is a jumbo frame the guest forwarded.
    Start Host Peer    headvm-io    85    extra=${PEER_JUMBO}
    Configure chains of NFs connected via vhost-user
    ...    nf_chains=${1}    nf_nodes=${1}    jumbo=${True}    use_tuned_cfs=${False}    auto_scale=${True}
    ...    vnf=testpmd_io
    Should Be Equal    ${cpu_alloc_str}    0,0,1
    Should Be Equal    ${nodes}[DUT1_85][type]    VM
    Should Be Equal    ${nodes}[DUT1_85][username]    testuser
    Should Be Equal    ${nodes}[DUT1_85][interfaces][vhost2][socket]    /run/vpp/sock-85-2
    Head VM Should Be Running    85
    Vcpus Should Be Pinned To    /run/qemu_85.pid    0,1
    ${init} =    Get File    /etc/vm_init_85.conf
    Should Contain    ${init}    --forward-mode=io
    Should Contain    ${init}    --max-pkt-len=9145
    ${log} =    Get File    /tmp/serial_85.log
    Should Contain    ${log}    qur-initrd: 9p root 'virtioroot' mounted
    Should Contain    ${log}    no vfio no-IOMMU mode
    Sleep    ${TRAFFIC_SECONDS}
    ${stats} =    Stop Host Peer    headvm-io
    Frames Should Have Come Back On Every Port    ${stats}    2

1x2 testpmd_mac, nfv_density style: two pinned VMs, frames through each both ways
    [Documentation]    Two testpmd_mac VMs sharing the bed's two CPUs (``nf_dtcr`` 2: two NFs per data core,
    ...    as HEAD's 0.5/2 suites), each sending towards host VPP's vhost port MACs (the DUT's ``vhost<n>``).
    Set Test Variable    ${nf_dtcr}    ${2}
    Start Host Peer    headvm-mac    85    86
    Configure chains of NFs connected via vhost-user
    ...    nf_chains=${1}    nf_nodes=${2}    jumbo=${False}    use_tuned_cfs=${False}    auto_scale=${False}
    ...    vnf=testpmd_mac
    Should Be Equal    ${cpu_alloc_str}    0,0,1,0,1
    Dictionary Should Contain Key    ${nodes}    DUT1_85
    Dictionary Should Contain Key    ${nodes}    DUT1_86
    Head VM Should Be Running    85
    Head VM Should Be Running    86
    Vcpus Should Be Pinned To    /run/qemu_85.pid    0,1
    Vcpus Should Be Pinned To    /run/qemu_86.pid    0,1
    ${init} =    Get File    /etc/vm_init_86.conf
    Should Contain    ${init}    --eth-peer=0,02:fe:00:00:00:03 --eth-peer=1,02:fe:00:00:00:04
    Sleep    ${TRAFFIC_SECONDS}
    ${stats} =    Stop Host Peer    headvm-mac
    Frames Should Have Come Back On Every Port    ${stats}    4


*** Keywords ***
Set Up Bed Test
    QEMU Test Setup
    # The DUT's vhost<n> ports: what HEAD's testpmd_mac sends to (host VPP's vhost-user ports in CSIT).
    ${interfaces} =    Evaluate    {f'vhost{n}': {'mac_address': '02:fe:00:00:00:%02x' % n} for n in range(1, 5)}
    ${dut} =    Evaluate    {**$NODE, 'interfaces': $interfaces}
    ${tg} =    Create Dictionary    type=TG    host=bed-tg
    ${nodes} =    Create Dictionary    TG=${tg}    DUT1=${dut}
    Set Test Variable    ${nodes}
    Set Test Variable    ${cpu_alloc_str}    ${0}

Tear Down Bed Test
    Run Keyword If Test Failed    Show QEMU Diagnostics    ${VM_HEAD_MANAGER}
    Additional Test Tear Down Action For vhost
    Stop Host Peer If Started
    QEMU Test Teardown
    FOR    ${id}    IN    85    86
        Nothing Should Be Left Of Head VM    ${id}
    END

Start Bed Server
    Skip If    '%{QUR_SKIP_VM_TESTS=}' == '1'    QUR_SKIP_VM_TESTS=1: real-VM suite skipped
    Should Be Empty    ${BED_ERROR}    Test bed not ready: ${BED_ERROR}
    ${head_img} =    Get From Dictionary    ${BED}    headImg    ${EMPTY}
    Should Not Be Empty    ${head_img}    The test bed has no HEAD boot path yet: run bash scripts/testbed/setup.sh
    Set Suite Variable    ${VM_HEAD_IMG}    ${head_img}
    File Should Exist    ${CLI}    Build first: npx tsc -p tsconfig.json
    ${directory} =    Evaluate    tempfile.mkdtemp(prefix='qur-head-bed-')    modules=tempfile
    Set Suite Variable    ${SERVER_DIR}    ${directory}
    Start Process    node    ${CLI}    --port    0    --port-file    ${directory}/port    --log-level    info
    ...    --qemu-option    accel\=${BED}[accel]    --qemu-option    cpu_model\=${BED}[cpu]
    ...    --qemu-option    kernel_args\=${BED}[kernelExtraArgs] ${HEAD_GUEST_HUGEPAGES_ARGS}
    ...    --qemu-option    testpmd_bin\=${BED}[testpmd]    --qemu-option    boot_timeout\=${HEAD_BOOT_TIMEOUT}
    ...    alias=head_bed_server    stdout=${directory}/server.out    stderr=${directory}/server.log
    Wait Until Created    ${directory}/port    timeout=60s
    ${port} =    Get File    ${directory}/port
    Set Suite Variable    ${QEMU_REMOTE_URI}    http://127.0.0.1:${port}
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=vnf_manager    AS    vnf_manager

Stop Bed Server
    IF    '%{QUR_SKIP_VM_TESTS=}' == '1'    RETURN
    Run Keyword And Ignore Error    vnf_manager.Qemu Manager Close
    Run Keyword And Ignore Error    vnf_manager.Stop Remote Server
    ${running} =    Run Keyword And Return Status    Process Should Be Running    head_bed_server
    IF    ${running}
        ${result} =    Wait For Process    head_bed_server    timeout=60s    on_timeout=kill
        Should Be Equal As Integers    ${result.rc}    0    server exited with ${result.rc}: ${result.stderr}
    END
    Run Keyword If All Tests Passed    Remove Directory    ${SERVER_DIR}    recursive=True
