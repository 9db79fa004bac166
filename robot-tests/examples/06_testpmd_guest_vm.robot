*** Settings ***
Documentation       CSIT 2019's testpmd guest (csit.md §3.4 B): `Configure guest VM with dpdk-testpmd connected via
...                 vhost-user` (keywords/vm.resource) boots the nested image with two vhost-user NICs, pins it,
...                 and starts dpdk-testpmd in the guest with `Dpdk Testpmd Start` over SSH to the VM dict (the
...                 guest's sshd through host port 10021+id, cisco/cisco); the teardown `Tear down performance test
...                 with vhost and VM with dpdk-testpmd` stops it with `Dpdk Testpmd Stop` (its port statistics go
...                 into the log) and ends the VM. `Qemu Guest Exec` looks into the guest in between.
...
...                 Needs the test bed (``bash scripts/testbed/setup.sh``: its nested image has dropbear and DPDK)
...                 and ``dist/`` built. Under TCG on 2 cores: about 2 minutes.
Resource            testbed.resource
Resource            ../../keywords/vm_2019.resource

Suite Setup         Set Up Suite
Suite Teardown      Tear Down Suite
Test Setup          QEMU Test Setup
Test Teardown       QEMU Test Teardown


*** Variables ***
${QEMU_SOCKET_DIR}      /run/qur-examples-06
# Set by the suite setup: QEMU Worker Qemu Id 7 (testbed.resource: 46 outside pabot).
${QEMU_ID}              ${None}
${PEER}                 ${None}


*** Test Cases ***
Guest VM with dpdk-testpmd started over SSH, as CSIT 2019 did
    ${vm} =    Configure guest VM with dpdk-testpmd connected via vhost-user    DUT1
    ...    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-1    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-2    DUT1_VM1    ${{[0, 1]}}
    ...    qemu_id=${QEMU_ID}    perf_qemu_qsz=${256}
    ${refs} =    Create Dictionary    DUT1_VM1=${vm}
    # The VM dict CSIT's DpdkUtil logged in with.
    Should Be Equal    ${vm}[username]    cisco
    Should Be Equal As Integers    ${vm}[port]    ${10021 + ${QEMU_ID}}
    # testpmd runs in the guest: through the guest agent, and over SSH as CSIT would look.
    ${pid} =    DUT1_VM1.Qemu Guest Exec    cat /tmp/testpmd.pid
    Should Be Equal As Integers    ${pid}[rc]    0
    ${ps} =    DUT1_VM1.Qemu Guest Exec    pidof dpdk-testpmd    via=ssh
    Should Be Equal    ${ps}[stdout]    ${pid}[stdout]
    ${log} =    DUT1_VM1.Qemu Guest Exec    cat /tmp/testpmd.log
    Should Contain    ${log}[stdout]    Press enter to exit
    Should Contain    ${log}[stdout]    RX desc=256
    [Teardown]    Tear down performance test with vhost and VM with dpdk-testpmd    ${nodes['DUT1']}    ${refs}

Teardown of the previous test left nothing behind
    VM Should Have Left Nothing    ${QEMU_ID}    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-1    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-2


*** Keywords ***
Set Up Suite
    Load Test Bed
    Start QemuUtils Server
    ${id} =    QEMU Worker Qemu Id    7
    Set Suite Variable    ${QEMU_ID}    ${id}
    Set Suite Variable    ${PEER}    examples06-${id}
    # The sessions this suite calls keywords of by name, imported as robot --dryrun can (literal arguments).
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=DUT1_VM1    AS    DUT1_VM1
    Create Directory    ${QEMU_SOCKET_DIR}
    Start Host Testpmd    ${PEER}    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-1    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-2

Tear Down Suite
    Run Keyword And Ignore Error    Stop Host Testpmd    ${PEER}
    Run Keyword And Ignore Error    Stop QemuUtils Server
    Remove Directory    ${QEMU_SOCKET_DIR}    recursive=True
