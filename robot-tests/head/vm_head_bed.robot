*** Settings ***
Documentation       CSIT HEAD's `Configure chains of NFs connected via vhost-user` (keywords/vm_head.resource) called
...                 as HEAD's vm_vhost and nfv_density suites call it, for real on the test bed: HEAD's boot path
...                 (Debian's kernel + the bed's initrd, 9p root ``virtioroot``, HEAD's init.sh and testpmd line
...                 run by Debian's dpdk-testpmd), vhost-user NICs to the host testpmd peer, pinned vCPUs, and
...                 frames counted on the peer: it sends on every port (flowgen) and counts what comes back, which
...                 can only have come through a guest. The third test is HEAD's gso iperf3 suites' pair: two
...                 iperf3 VMs (vhost-user clients) routed through the host peer as a router (testpmd in a network
...                 namespace of its own, a tap beside each vhost port), logged into with the VM dicts' testuser /
...                 Csit1234 over the forwarded ports, one iperf3 run between them.
...
...                 The bed is smaller than a CSIT testbed (2 CPUs, TCG): the suite sets the past-HEAD variables
...                 ``${VM_HEAD_FIRST_QEMU_ID}`` (ids 85-86; odd, as
...                 the iperf3 pair's server must be: ``--variable VM_HEAD_FIRST_QEMU_ID:77`` moves them), ``${VM_HEAD_MEM}`` (1024), ``${VM_HEAD_IMG}`` (the bed's
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
# This checkout's host peer (the router mode is newer than what an older bed's testbed.json may name).
${HOST_TESTPMD_SCRIPT}    ${ROOT}/scripts/testbed/host-testpmd.sh
# HEAD suite variables (a 1-core vm_vhost suite: Add worker threads to all DUTs 1 1).
@{TG_pf1_mac}       02:00:00:00:00:01
@{TG_pf2_mac}       02:00:00:00:00:02
${cpu_count_int}    ${1}
${rxq_count_int}    ${1}
${nf_dtc}           ${1}
${nf_dtcr}          ${1}
${page_size}        2M
# Past HEAD, the bed's size.
${VM_HEAD_FIRST_QEMU_ID}    ${85}
${VM_HEAD_MEM}      ${1024}
${VM_HEAD_SKIP_CPUS}    ${0}
${PEER_JUMBO}       --txpkts=9000 --mbuf-size=10240 --max-pkt-len=9200
# Seconds of traffic after the chain is up before the peer's counters are read.
${TRAFFIC_SECONDS}    10
# The iperf3 pair's router: the host ends of the guests' /30s (HEAD's host VPP addresses), tap i beside vhost i.
${ROUTER_ADDRESSES}    2.2.2.1/30,1.1.1.2/30
# iperf3's run between the guests (seconds), and how long a guest login may take under TCG.
${IPERF3_SECONDS}    2
${SSH_TIMEOUT}      300


*** Test Cases ***
1x1 testpmd_io, jumbo: pinned, 9000-byte frames through the guest both ways
    [Documentation]    A vm_vhost testpmd_io suite (9000B): HEAD's testpmd with ``--max-pkt-len=9145``; the peer
    ...    sends only 9000-byte frames, so what it receives back on each port is a jumbo frame the guest forwarded.
    Start Host Peer    headvm-io    ${ID1}    extra=${PEER_JUMBO}
    Configure chains of NFs connected via vhost-user
    ...    nf_chains=${1}    nf_nodes=${1}    jumbo=${True}    use_tuned_cfs=${False}    auto_scale=${True}
    ...    vnf=testpmd_io
    Should Be Equal    ${cpu_alloc_str}    0,0,1
    Should Be Equal    ${nodes}[DUT1_${ID1}][type]    VM
    Should Be Equal    ${nodes}[DUT1_${ID1}][username]    testuser
    Should Be Equal    ${nodes}[DUT1_${ID1}][interfaces][vhost2][socket]    /run/vpp/sock-${ID1}-2
    Head VM Should Be Running    ${ID1}
    Vcpus Should Be Pinned To    /run/qemu_${ID1}.pid    0,1
    ${init} =    Get File    /etc/vm_init_${ID1}.conf
    Should Contain    ${init}    --forward-mode=io
    Should Contain    ${init}    --max-pkt-len=9145
    ${log} =    Get File    /tmp/serial_${ID1}.log
    Should Contain    ${log}    qur-initrd: 9p root 'virtioroot' mounted
    Should Contain    ${log}    no vfio no-IOMMU mode
    Sleep    ${TRAFFIC_SECONDS}
    ${stats} =    Stop Host Peer    headvm-io
    Frames Should Have Come Back On Every Port    ${stats}    2

1x2 testpmd_mac, nfv_density style: two pinned VMs, frames through each both ways
    [Documentation]    Two testpmd_mac VMs sharing the bed's two CPUs (``nf_dtcr`` 2: two NFs per data core,
    ...    as HEAD's 0.5/2 suites), each sending towards host VPP's vhost port MACs (the DUT's ``vhost<n>``).
    Set Test Variable    ${nf_dtcr}    ${2}
    Start Host Peer    headvm-mac    ${ID1}    ${ID2}
    Configure chains of NFs connected via vhost-user
    ...    nf_chains=${1}    nf_nodes=${2}    jumbo=${False}    use_tuned_cfs=${False}    auto_scale=${False}
    ...    vnf=testpmd_mac
    Should Be Equal    ${cpu_alloc_str}    0,0,1,0,1
    Dictionary Should Contain Key    ${nodes}    DUT1_${ID1}
    Dictionary Should Contain Key    ${nodes}    DUT1_${ID2}
    Head VM Should Be Running    ${ID1}
    Head VM Should Be Running    ${ID2}
    Vcpus Should Be Pinned To    /run/qemu_${ID1}.pid    0,1
    Vcpus Should Be Pinned To    /run/qemu_${ID2}.pid    0,1
    ${init} =    Get File    /etc/vm_init_${ID2}.conf
    Should Contain    ${init}    --eth-peer=0,02:fe:00:00:00:03 --eth-peer=1,02:fe:00:00:00:04
    Sleep    ${TRAFFIC_SECONDS}
    ${stats} =    Stop Host Peer    headvm-mac
    Frames Should Have Come Back On Every Port    ${stats}    4

1x2 iperf3, gso suites' pair: one iperf3 between the guests through a host router, one login each
    [Documentation]    HEAD's ``*-2vhost-iperf3-mrr`` set-up (``... on single node``, DUT1, vnf iperf3, validate
    ...    False, fixed_auto_scale, ``${smt_used}`` False; ``nf_dtc`` 1 / ``nf_dtcr`` 2 on the bed's 2 CPUs
    ...    instead of HEAD's 4/1): the odd VM is the server (2.2.2.2/30), the even one the client (1.1.1.1/30);
    ...    the host peer, vhost-user server of both, routes between the two /30s in its own namespace. Each
    ...    guest's ``sshd -D -d`` serves one connection: the server's login runs ``iperf3 -s -1``, the
    ...    client's ``iperf3 -c 2.2.2.2``, and then both guests power off.
    Set Test Variable    ${nf_dtc}    ${1}
    Set Test Variable    ${nf_dtcr}    ${2}
    Set Test Variable    ${smt_used}    ${False}
    Guest Sshd Should Accept Passwords    testuser
    Start Host Router    headvm-iperf3    ${ROUTER_ADDRESSES}    ${ID1}    ${ID2}
    Configure chains of NFs connected via vhost-user on single node    DUT1    nf_chains=${1}    nf_nodes=${2}
    ...    vnf=iperf3    validate=${False}    fixed_auto_scale=${True}
    Should Be Equal    ${DUT1_cpu_alloc_str}    0,0,1,0,1
    ${server} =    Set Variable    ${nodes}[DUT1_${ID1}]
    ${client} =    Set Variable    ${nodes}[DUT1_${ID2}]
    FOR    ${id}    ${vm}    IN    ${ID1}    ${server}    ${ID2}    ${client}
        Should Be Equal    ${vm}[type]    VM
        Should Be Equal As Integers    ${vm}[port]    ${{10021 + int($id)}}
        Should Be Equal    ${vm}[username]    testuser
        Should Be Equal    ${vm}[password]    Csit1234
        Should Be Equal    ${vm}[interfaces][vhost1][socket]    /run/vpp/sock-${id}-1
        Head VM Should Be Running    ${id}
        ${log} =    Get File    /tmp/serial_${id}.log
        Should Contain    ${log}    Server listening on 0.0.0.0 port 22.
        Should Contain    ${log}    (0000:00:03.0) named ens3
        Should Contain    ${log}    (0000:00:06.0) named ens6
    END
    ${init} =    Get File    /etc/vm_init_${ID1}.conf
    Should Contain    ${init}    ip address add 2.2.2.2/30 dev ens6
    # First the router alone: its taps pass traffic to and from each guest (busybox's ping: the bed has no other;
    # exit 0 once any of the 5 echoes came back).
    FOR    ${guest}    IN    2.2.2.2    1.1.1.1
        ${ping} =    Run Process    bash    ${HOST_TESTPMD_SCRIPT}    exec    headvm-iperf3    busybox    ping    -c    5    -w    60
        ...    ${guest}
        Log    ${ping.stdout}
        Should Be Equal As Integers    ${ping.rc}    0    the router namespace cannot ping ${guest}: ${ping.stdout} ${ping.stderr}
    END
    # The server's one login holds iperf3 -s -1 (line-buffered, so that 'Server listening' is seen at once).
    # iperf3 writes a stream file in $TMPDIR (default /tmp, root's only in HEAD's guest): testuser's home.
    Start Guest SSH    iperf3_server    ${server}    TMPDIR=$HOME stdbuf -oL iperf3 -s -1
    Wait For Guest SSH Output    iperf3_server    Server listening on 5201
    ${result} =    Run Guest SSH    iperf3_client    ${client}    TMPDIR=$HOME iperf3 -c 2.2.2.2 -t ${IPERF3_SECONDS} -J
    Should Be Equal As Integers    ${result.rc}    0    iperf3 client failed: ${result.stdout} ${result.stderr}
    ${figures} =    Iperf3 Should Have Moved Bytes    ${result.stdout}
    Log    iperf3 2.2.2.2 <- 1.1.1.1 through the host router: ${figures}    console=True
    ${served} =    Wait For Process    iperf3_server    timeout=${SSH_TIMEOUT}s    on_timeout=kill
    Should Be Equal As Integers    ${served.rc}    0    iperf3 server login failed: ${served.stdout} ${served.stderr}
    Should Contain    ${served.stdout}    Accepted connection from 1.1.1.1
    # sshd -d served its one connection: each guest's init goes on to poweroff -f.
    FOR    ${id}    IN    ${ID1}    ${ID2}
        Wait Until Keyword Succeeds    ${SSH_TIMEOUT}s    2s    Serial Log Should Contain    ${id}    reboot: Power down
    END
    ${stats} =    Stop Host Peer    headvm-iperf3
    Frames Should Have Come Back On Every Port    ${stats}    4


*** Keywords ***
Start Guest SSH
    [Documentation]    Logs into guest ``vm`` (a VM dict) in the background with its own credentials, over
    ...    its forwarded port, running ``command``; output under ``${SERVER_DIR}/<alias>.out``.
    [Arguments]    ${alias}    ${vm}    ${command}
    @{argv} =    Guest SSH Command    ${vm}    ${command}
    Start Process    @{argv}    alias=${alias}    stdout=${SERVER_DIR}/${alias}.out    stderr=${SERVER_DIR}/${alias}.err
    ...    stdin=DEVNULL    env:SSH_ASKPASS=${ASKPASS}    env:SSH_ASKPASS_REQUIRE=force
    ...    env:QUR_GUEST_PASSWORD=${vm}[password]
    Append To List    ${GUEST_SSH}    ${alias}

Run Guest SSH
    [Documentation]    As `Start Guest SSH`, waiting for the login to end (``${SSH_TIMEOUT}``); returns its result.
    [Arguments]    ${alias}    ${vm}    ${command}
    Start Guest SSH    ${alias}    ${vm}    ${command}
    ${result} =    Wait For Process    ${alias}    timeout=${SSH_TIMEOUT}s    on_timeout=kill
    RETURN    ${result}

Wait For Guest SSH Output
    [Documentation]    Waits up to ``${SSH_TIMEOUT}`` for ``text`` in the standard output of login ``alias``; fails
    ...    at once when that login ended first (the guest's one connection is gone then).
    [Arguments]    ${alias}    ${text}
    ${deadline} =    Evaluate    time.monotonic() + ${SSH_TIMEOUT}    modules=time
    WHILE    True
        ${output} =    Get File    ${SERVER_DIR}/${alias}.out
        IF    $text in $output    RETURN
        ${running} =    Is Process Running    ${alias}
        IF    not ${running}
            ${result} =    Wait For Process    ${alias}
            Fail    login ${alias} ended (rc ${result.rc}) before '${text}': ${result.stdout} ${result.stderr}
        END
        ${now} =    Evaluate    time.monotonic()    modules=time
        IF    $now > $deadline    Fail    no '${text}' from login ${alias} within ${SSH_TIMEOUT} s: ${output}
        Sleep    1s
    END

Serial Log Should Contain
    [Arguments]    ${qemu_id}    ${text}
    ${log} =    Get File    /tmp/serial_${qemu_id}.log
    Should Contain    ${log}    ${text}

Set Up Bed Test
    QEMU Test Setup
    Set Test Variable    ${PEER}    ${EMPTY}
    Set Test Variable    @{GUEST_SSH}    @{EMPTY}
    # The DUT's vhost<n> ports: what HEAD's testpmd_mac sends to (host VPP's vhost-user ports in CSIT).
    ${interfaces} =    Evaluate    {f'vhost{n}': {'mac_address': '02:fe:00:00:00:%02x' % n} for n in range(1, 5)}
    ${dut} =    Evaluate    {**$NODE, 'interfaces': $interfaces}
    ${tg} =    Create Dictionary    type=TG    host=bed-tg
    ${nodes} =    Create Dictionary    TG=${tg}    DUT1=${dut}
    Set Test Variable    ${nodes}
    Set Test Variable    ${cpu_alloc_str}    ${0}

Tear Down Bed Test
    Run Keyword If Test Failed    Show QEMU Diagnostics    ${VM_HEAD_MANAGER}
    FOR    ${alias}    IN    @{GUEST_SSH}
        Terminate Process    ${alias}    kill=True
    END
    Additional Test Tear Down Action For vhost
    Stop Host Peer If Started
    QEMU Test Teardown
    FOR    ${id}    IN    ${ID1}    ${ID2}
        Nothing Should Be Left Of Head VM    ${id}
    END
    FOR    ${name}    IN    headvm-io    headvm-mac    headvm-iperf3
        Nothing Should Be Left Of Host Peer    ${name}
    END

Start Bed Server
    Skip If    '%{QUR_SKIP_VM_TESTS=}' == '1'    QUR_SKIP_VM_TESTS=1: real-VM suite skipped
    Should Be Empty    ${BED_ERROR}    Test bed not ready: ${BED_ERROR}
    ${head_img} =    Get From Dictionary    ${BED}    headImg    ${EMPTY}
    Should Not Be Empty    ${head_img}    The test bed has no HEAD boot path yet: run bash scripts/testbed/setup.sh
    Set Suite Variable    ${VM_HEAD_IMG}    ${head_img}
    ${first} =    Convert To Integer    ${VM_HEAD_FIRST_QEMU_ID}
    Set Suite Variable    ${VM_HEAD_FIRST_QEMU_ID}    ${first}
    Set Suite Variable    ${ID1}    ${first}
    Set Suite Variable    ${ID2}    ${first + 1}
    File Should Exist    ${CLI}    Build first: npx tsc -p tsconfig.json
    ${directory} =    Evaluate    tempfile.mkdtemp(prefix='qur-head-bed-')    modules=tempfile
    Set Suite Variable    ${SERVER_DIR}    ${directory}
    ${askpass} =    Write Askpass Script    ${directory}
    Set Suite Variable    ${ASKPASS}    ${askpass}
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
