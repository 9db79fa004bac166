*** Settings ***
Documentation       One nested VM (a disk image with a guest agent) with two vhost-user NICs, set up with
...                 `Configure nested VM connected via vhost-user` (keywords/vm.resource): the boot wait asks the
...                 guest agent, which also names the NICs as the guest sees them (by MAC).
...
...                 Needs the test bed (``bash scripts/testbed/setup.sh``) and ``dist/`` built.
Resource            testbed.resource
Resource            ../../keywords/vm.resource

Suite Setup         Set Up Suite
Suite Teardown      Tear Down Suite
Test Setup          QEMU Test Setup
Test Teardown       QEMU Test Teardown


*** Variables ***
${QEMU_SOCKET_DIR}      /run/qur-examples-02
# Set by the suite setup: QEMU Worker Qemu Id 2 (testbed.resource: 41 outside pabot).
${QEMU_ID}              ${None}


*** Test Cases ***
Nested VM answers its guest agent and names its vhost-user interfaces
    ${vm} =    Configure nested VM connected via vhost-user    ${nodes['DUT1']}
    ...    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-1    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-2    qemu_name=DUT1_nested
    ...    qemu_id=${QEMU_ID}    mem=${512}
    Should Be Equal    ${vm}    ${DUT1_nested}
    Should Be Equal As Integers    ${vm}[port]    ${10021 + ${QEMU_ID}}
    # Names the guest gave the NICs QEMU created with these MACs (the first NIC, eth0, is the management one).
    Should Be Equal    ${vm}[interfaces][vhost1][mac_address]    52:54:00:00:${{'%02x' % $QEMU_ID}}:01
    Should Match Regexp    ${vm}[interfaces][vhost1][name]    ^eth\\d+$
    Should Match Regexp    ${vm}[interfaces][vhost2][name]    ^eth\\d+$
    Should Not Be Equal    ${vm}[interfaces][vhost1][name]    ${vm}[interfaces][vhost2][name]
    ${command} =    DUT1_nested.Qemu Get Command Line
    Should Contain    ${command}    -chardev socket,path=/var/run/qga_${QEMU_ID}.sock

Teardown of the previous test left nothing behind
    VM Should Have Left Nothing    ${QEMU_ID}    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-1    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-2


*** Keywords ***
Set Up Suite
    Load Test Bed
    Start QemuUtils Server
    ${id} =    QEMU Worker Qemu Id    2
    Set Suite Variable    ${QEMU_ID}    ${id}
    # The sessions this suite calls keywords of by name, imported as robot --dryrun can (literal arguments).
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=DUT1_nested    AS    DUT1_nested
    Create Directory    ${QEMU_SOCKET_DIR}
    Start Host Testpmd    examples02    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-1    ${QEMU_SOCKET_DIR}/sock-${QEMU_ID}-2

Tear Down Suite
    Run Keyword And Ignore Error    Stop Host Testpmd    examples02
    Run Keyword And Ignore Error    Stop QemuUtils Server
    Remove Directory    ${QEMU_SOCKET_DIR}    recursive=True
