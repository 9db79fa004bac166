*** Settings ***
Documentation       A chain of two testpmd kernel VMs started, pinned and torn down through the `Remote` library,
...                 the way CSIT's perf suites drive QemuUtils (csit.md §3.4 A/B): one remote session (URL path)
...                 per VM, imported with an `AS` alias, then `Qemu Add Vhost User If`, `Configure Kernelvm Vnf`,
...                 `Qemu Start`, `Qemu Set Affinity`, and `Qemu Kill` in the teardown.
...
...                 The node is the test bed's private sshd (the unprivileged test user with sudo, as CSIT's
...                 testuser); the VMs' vhost-user peer is the bed's host testpmd. The suite starts its own server
...                 (`dist/cli.js`, built by `scripts/run-robot.sh`) and stops it at the end.
...                 Needs `bash scripts/testbed/setup.sh`; `QUR_SKIP_VM_TESTS=1` skips it (CI never sets it).

Library             Collections
Library             OperatingSystem
Library             Process
Library             VmHostChecks.py
Variables           testbed_variables.py

Suite Setup         Start Qemu Server And Host Peer
Suite Teardown      Stop Qemu Server And Host Peer


*** Variables ***
${ROOT}             ${CURDIR}/../..
${CLI}              ${ROOT}/dist/cli.js
${QEMU_REMOTE_LIBRARY}    ${ROOT}/keywords/QemuUtilsRemote.py
# Set by the suite setup to its own server; this default is what robot --dryrun imports with.
${QEMU_REMOTE_URI}    http://127.0.0.1:8270
${PEER}             robot-chain
# The MACs of the traffic generator's ports at the ends of the chain (CSIT's ${tg_if1_mac}, ${tg_if2_mac}).
${TG_IF1_MAC}       02:00:00:00:00:01
${TG_IF2_MAC}       02:00:00:00:00:02
@{VM1_CPUS}         0    1
@{VM2_CPUS}         1    0


*** Test Cases ***
Chain of two testpmd VMs through the Remote library, pinned
    [Documentation]    VM 51 forwards from the TG's first port to VM 52, VM 52 on to the TG's second port
    ...    (testpmd mac forwarding with CSIT's chain MACs). Each VM boots, is pinned vCPU n -> n-th CPU of its list,
    ...    and is checked on the host through /proc.
    [Teardown]    Tear Down Chain
    ${vm1} =    Start Testpmd VM In Chain    DUT1_vm51    ${51}    ${TG_IF1_MAC}    52:54:00:00:34:01    @{VM1_CPUS}
    ${vm2} =    Start Testpmd VM In Chain    DUT1_vm52    ${52}    52:54:00:00:33:02    ${TG_IF2_MAC}    @{VM2_CPUS}
    Should Be Equal    ${vm1}[interfaces][vhost1][socket]    /tmp/qur-robot-51-1.sock
    Should Be Equal    ${vm2}[interfaces][vhost2][mac_address]    52:54:00:00:34:02
    Should Be Equal As Integers    ${vm2}[port]    10073
    VM Should Be Running    51
    VM Should Be Running    52
    ${status} =    DUT1_vm52.Qemu Qmp Exec    query-status
    Should Be True    ${status}[return][running]


*** Keywords ***
Start Testpmd VM In Chain
    [Documentation]    CSIT's "Configure guest VM with dpdk-testpmd connected via vhost-user" for one kernel VM.
    [Arguments]    ${vm}    ${qemu_id}    ${vif1_mac}    ${vif2_mac}    @{nf_cpus}
    ${count} =    Get Length    ${nf_cpus}
    Run Keyword    ${vm}.Qemu Init    ${NODE}    qemu_id=${qemu_id}    smp=${count}    mem=${1024}
    ...    vnf=testpmd_mac    img=${BED}[kernel]    kernel_args=${BED}[kernelExtraArgs]
    ...    testpmd_bin=${BED}[testpmd]    testpmd_main_lcore_flag=--main-lcore
    FOR    ${n}    IN    1    2
        Run Keyword    ${vm}.Qemu Add Vhost User If    /tmp/qur-robot-${qemu_id}-${n}.sock
        ...    jumbo_frames=${False}    queues=${1}    queue_size=${1024}
    END
    Run Keyword    ${vm}.Configure Kernelvm Vnf    mac1=52:54:00:00:${{'%02x' % ${qemu_id}}}:01
    ...    mac2=52:54:00:00:${{'%02x' % ${qemu_id}}}:02    vif1_mac=${vif1_mac}    vif2_mac=${vif2_mac}
    ...    queues=${1}    jumbo_frames=${False}
    ${info} =    Run Keyword    ${vm}.Qemu Start
    Run Keyword    ${vm}.Qemu Set Affinity    @{nf_cpus}
    ${tids} =    Run Keyword    ${vm}.Get Qemu Pids
    FOR    ${index}    ${tid}    IN ENUMERATE    @{tids}
        ${name} =    Thread Name    ${tid}
        Should Match Regexp    ${name}    ^CPU ${index}/(TCG|KVM)$
        Thread Should Be Pinned To    ${tid}    ${nf_cpus}[${index}]
    END
    RETURN    ${info}

Tear Down Chain
    Run Keyword And Ignore Error    DUT1_vm51.Qemu Kill
    Run Keyword And Ignore Error    DUT1_vm52.Qemu Kill
    Nothing Should Be Left Of VM    51    /tmp/qur-robot-51-1.sock    /tmp/qur-robot-51-2.sock
    Nothing Should Be Left Of VM    52    /tmp/qur-robot-52-1.sock    /tmp/qur-robot-52-2.sock

Start Qemu Server And Host Peer
    Skip If    '%{QUR_SKIP_VM_TESTS=}' == '1'    QUR_SKIP_VM_TESTS=1: real-VM suite skipped
    Should Be Empty    ${BED_ERROR}    Test bed not ready: ${BED_ERROR}
    File Should Exist    ${CLI}    Build first: npx tsc -p tsconfig.json (scripts/run-robot.sh does it)
    ${directory} =    Evaluate    tempfile.mkdtemp(prefix='qur-robot-vm-')    modules=tempfile
    Set Suite Variable    ${SERVER_DIR}    ${directory}
    Set Suite Variable    ${PORT_FILE}    ${directory}/port
    # The peer connects to QEMU's server sockets as they appear (it retries every second). No forwarding, and
    # nice 19: DPDK 22.11's idle worker lcore still spins, and would take CPU from the TCG guests.
    ${peer} =    Run Process    nice    -n    19    bash    ${BED}[hostTestpmdScript]    start    ${PEER}
    ...    /tmp/qur-robot-51-1.sock    /tmp/qur-robot-51-2.sock    /tmp/qur-robot-52-1.sock    /tmp/qur-robot-52-2.sock
    ...    env:QUR_TESTPMD_FORWARD=0
    Should Be Equal As Integers    ${peer.rc}    0    host testpmd did not start: ${peer.stdout} ${peer.stderr}
    Start Process    node    ${CLI}    --library    qemu    --port    0    --port-file    ${PORT_FILE}
    ...    --qemu-option    accel\=${BED}[accel]    --qemu-option    cpu_model\=${BED}[cpu]
    ...    alias=server    stdout=${directory}/server.out    stderr=${directory}/server.log
    Wait Until Created    ${PORT_FILE}    timeout=60s
    ${port} =    Get File    ${PORT_FILE}
    Set Suite Variable    ${QEMU_REMOTE_URI}    http://127.0.0.1:${port}
    # Robot's Remote, plus the keywords known without a server: robot --dryrun resolves these imports
    # (from the default ${QEMU_REMOTE_URI}, as it sets no variable) and checks the calls through them.
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=DUT1_vm51    AS    DUT1_vm51
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=DUT1_vm52    AS    DUT1_vm52

Stop Qemu Server And Host Peer
    IF    '%{QUR_SKIP_VM_TESTS=}' == '1'    RETURN
    Run Keyword And Ignore Error    DUT1_vm51.Qemu Close
    Run Keyword And Ignore Error    DUT1_vm52.Qemu Close
    Run Keyword And Ignore Error    DUT1_vm51.Stop Remote Server
    ${running} =    Run Keyword And Return Status    Process Should Be Running    server
    IF    ${running}
        ${result} =    Wait For Process    server    timeout=60s    on_timeout=kill
        Should Be Equal As Integers    ${result.rc}    0    server exited with ${result.rc}: ${result.stderr}
    END
    Run Process    bash    ${BED}[hostTestpmdScript]    stop    ${PEER}
    Nothing Should Be Left Of VM    51
    Nothing Should Be Left Of VM    52
    # The server's log stays for a failed run (its path is in the Robot log).
    Run Keyword If All Tests Passed    Remove Directory    ${SERVER_DIR}    recursive=True
