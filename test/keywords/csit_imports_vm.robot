*** Settings ***
Documentation       Fixture of test/keywords/csit-imports-vm.test.ts: CSIT 2019's testpmd-guest sequence (csit.md
...                 §3.4 B) through CSIT's constructor import, ported by the library's name only
...                 (keywords/QemuUtils.py), with a real kernel VM on this machine's test bed. The server (the
...                 test's, ${QEMU_REMOTE_URI}) carries the bed's settings, so the import is CSIT's line.
Resource            ../../robot-tests/examples/testbed.resource
Resource            ../../keywords/vm.resource

Suite Setup         Set Up Bed
Suite Teardown      Run Keyword And Ignore Error    Stop Host Testpmd    native-csit-import


*** Variables ***
${QEMU_ID}          ${46}
${SOCKET_DIR}       /run/qur-csit-import


*** Test Cases ***
Kernel VM from a constructor import, started and pinned as CSIT did
    Import Library    ${CURDIR}/../../keywords/QemuUtils.py    ${nodes['DUT1']}    qemu_id=${QEMU_ID}    smp=${2}
    ...    mem=${1024}    vnf=testpmd_io    img=${QEMU_VM_KERNEL}    WITH NAME    vm1
    vm1.Qemu Add Vhost User If    ${SOCKET_DIR}/sock-${QEMU_ID}-1    jumbo_frames=${False}    queues=${1}
    ...    queue_size=${256}
    vm1.Qemu Add Vhost User If    ${SOCKET_DIR}/sock-${QEMU_ID}-2    jumbo_frames=${False}    queues=${1}
    ...    queue_size=${256}
    vm1.Configure Kernelvm Vnf    queues=${1}    jumbo_frames=${False}
    ${vm} =    vm1.Qemu Start
    vm1.Qemu Set Affinity    0    1
    Should Be Equal    ${vm}[type]    VM
    Should Be Equal As Integers    ${vm}[port]    ${10021 + ${QEMU_ID}}
    ${tids} =    vm1.Get Qemu Pids
    FOR    ${tid}    ${cpu}    IN ZIP    ${tids}    ${{['0', '1']}}
        ${status} =    Get File    /proc/${tid}/status
        Should Match Regexp    ${status}    Cpus_allowed_list:\\s+${cpu}\\n
    END
    ${report} =    vm1.Qemu Log Diagnostics    lines=${5}
    Should Contain    ${report}    Press enter to exit
    # CSIT's teardown: the session stays open; the listener closes it when the test ends.
    [Teardown]    vm1.Qemu Kill

The listener closed the session: nothing is left
    VM Should Have Left Nothing    ${QEMU_ID}    ${SOCKET_DIR}/sock-${QEMU_ID}-1    ${SOCKET_DIR}/sock-${QEMU_ID}-2


*** Keywords ***
Set Up Bed
    Load Test Bed
    Create Directory    ${SOCKET_DIR}
    Start Host Testpmd    native-csit-import    ${SOCKET_DIR}/sock-${QEMU_ID}-1    ${SOCKET_DIR}/sock-${QEMU_ID}-2
