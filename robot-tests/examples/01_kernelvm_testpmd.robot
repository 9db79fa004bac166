*** Settings ***
Documentation       One VM running dpdk-testpmd on two vhost-user NICs, set up the CSIT way with
...                 `Configure guest VM with dpdk-testpmd connected via vhost-user` (keywords/vm.resource: since
...                 the CSIT 2019 rewrite, the nested image with testpmd started in it over SSH), pinned,
...                 inspected through its session, and cleaned up by the test teardown.
...
...                 Needs the test bed (``bash scripts/testbed/setup.sh``) and ``dist/`` built. A TCG boot takes
...                 30-90 s on 2 cores.
Resource            testbed.resource
Resource            ../../keywords/vm.resource

Suite Setup         Set Up Suite
Suite Teardown      Tear Down Suite
Test Setup          QEMU Test Setup
Test Teardown       QEMU Test Teardown


*** Variables ***
${QEMU_SOCKET_DIR}      /run/qur-examples-01
# Set by the suite setup: QEMU Worker Qemu Id 1 (testbed.resource: 40 outside pabot).
${QEMU_ID}              ${None}


*** Test Cases ***
Guest VM with dpdk-testpmd connected via vhost-user
    ${sock1} =    Set Variable    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-1
    ${sock2} =    Set Variable    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-2
    ${vm} =    Configure guest VM with dpdk-testpmd connected via vhost-user    DUT1    ${sock1}    ${sock2}
    ...    DUT1_VM1    ${{[0, 1]}}    qemu_id=${QEMU_ID}    perf_qemu_qsz=${256}
    # The VM dict, as CSIT's Qemu Start returned it.
    Should Be Equal    ${vm}[type]    VM
    Should Be Equal As Integers    ${vm}[port]    ${10021 + ${QEMU_ID}}
    Should Be Equal    ${vm}[interfaces][vhost1][mac_address]    52:54:00:00:${{'%02x' % $QEMU_ID}}:01
    Should Be Equal    ${vm}[interfaces][vhost2][socket]    ${sock2}
    # The session still holds the running VM: its vCPU threads were pinned as asked.
    ${tids} =    DUT1_VM1.Get Qemu Pids
    Length Should Be    ${tids}    2
    FOR    ${tid}    ${cpu}    IN ZIP    ${tids}    ${{['0', '1']}}
        ${status} =    Get File    /proc/${tid}/status
        Should Match Regexp    ${status}    Cpus_allowed_list:\\s+${cpu}\\n
    END
    ${status} =    DUT1_VM1.Qemu Qmp Exec    query-status
    Should Be True    ${status}[return][running]
    ${command} =    DUT1_VM1.Qemu Get Command Line
    Should Contain    ${command}    -device virtio-net-pci,netdev=vhost2,mac=52:54:00:00:${{'%02x' % $QEMU_ID}}:02
    # testpmd runs in the guest (Dpdk Testpmd Start over SSH): its log, read through the guest agent.
    ${log} =    DUT1_VM1.Qemu Guest Exec    cat /tmp/testpmd.log
    Should Contain    ${log}[stdout]    Press enter to exit

Teardown of the previous test left nothing behind
    VM Should Have Left Nothing    ${QEMU_ID}    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-1    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-2


*** Keywords ***
Set Up Suite
    Load Test Bed
    Start QemuUtils Server
    ${id} =    QEMU Worker Qemu Id    1
    Set Suite Variable    ${QEMU_ID}    ${id}
    # The sessions this suite calls keywords of by name, imported as robot --dryrun can (literal arguments).
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=DUT1_VM1    AS    DUT1_VM1
    Create Directory    ${QEMU_SOCKET_DIR}
    Start Host Testpmd    examples01    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-1    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-2

Tear Down Suite
    Run Keyword And Ignore Error    Stop Host Testpmd    examples01
    Run Keyword And Ignore Error    Stop QemuUtils Server
    Remove Directory    ${QEMU_SOCKET_DIR}    recursive=True
