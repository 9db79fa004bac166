*** Settings ***
Documentation       How failures look, and that they leave nothing behind: a QEMU that cannot start, a VM that
...                 does not boot in time, a keyword called in the wrong kind of session, and a test failing half
...                 way whose teardown (`QEMU Test Teardown`, keywords/qemu_sessions.resource) still ends every VM
...                 it set up and logs their diagnostics.
...
...                 Needs the test bed (``bash scripts/testbed/setup.sh``) and ``dist/`` built.
Library             NestedRun.py
Resource            testbed.resource
Resource            ../../keywords/vm.resource

Suite Setup         Set Up Suite
Suite Teardown      Tear Down Suite
Test Setup          QEMU Test Setup
Test Teardown       QEMU Test Teardown


*** Variables ***
# Set by the suite setup: QEMU Worker Qemu Id 5 and 6 (testbed.resource: 44, 45 outside pabot).
${OK_ID}        ${None}
${BAD_ID}       ${None}


*** Test Cases ***
QEMU that cannot start fails at once with its own error
    Set Up QemuUtils Session    DUT1_vm    ${nodes['DUT1']}    qemu_id=${BAD_ID}    mem=${512}    vnf=testpmd_io
    ...    img=/opt/boot/vmlinuz-not-there
    Run Keyword And Expect Error    QEMU: Start failed on localhost! rc 1: *vmlinuz-not-there*    DUT1_vm.Qemu Start
    VM Should Have Left Nothing    ${BAD_ID}

VM that does not boot in time fails with the time it was given
    Set Up QemuUtils Session    DUT1_vm    ${nodes['DUT1']}    qemu_id=${BAD_ID}    mem=${512}
    ...    img=${QEMU_NESTED_IMAGE}    boot_timeout=${2}
    Run Keyword And Expect Error    QEMU: Timeout, VM not booted on localhost!*    DUT1_vm.Qemu Start
    VM Should Have Left Nothing    ${BAD_ID}

Keyword in the wrong kind of session fails saying which session it needs
    Set Up VM Manager Session    ${nodes}
    Run Keyword And Expect Error    This session holds a VM manager (created by Qemu Manager Init)*Qemu Init*
    ...    vnf_manager.Qemu Add Vhost User If    /run/x
    Set Up QemuUtils Session    DUT1_vm    ${nodes['DUT1']}    qemu_id=${BAD_ID}
    Run Keyword And Expect Error    This session holds one VM (created by Qemu Init)*Qemu Manager Init*
    ...    DUT1_vm.Start All VMs

Test failing half way: its teardown ends every VM it set up
    [Documentation]    The test runs as a Robot run of its own (_nested/vm_fails_half_way.robot): one VM configured,
    ...    a second one whose VNF cannot run. Its result and its host are inspected here.
    # On this run's session paths (pabot<N>/ under pabot), with the test bed's settings.
    ${prefix} =    QEMU Session Prefix
    ${test} =    Run Nested Suite    ${CURDIR}/_nested/vm_fails_half_way.robot    QEMU_REMOTE_URI:${QEMU_REMOTE_URI}
    ...    KERNEL:${QEMU_VM_KERNEL}    OK_ID:${OK_ID}    BAD_ID:${BAD_ID}    QEMU_SESSION_PREFIX:${prefix}
    ...    settings=${QEMU_SETTINGS}
    Should Be Equal    ${test}[status]    FAIL
    # A clear FAIL: what happened, where, and the guest's last words.
    Should Start With    ${test}[message]
    ...    QEMU: NF failed to run on localhost! the guest powered down before the VNF started (the VNF exited or failed to run)
    Should Contain    ${test}[message]    Serial log tail:
    # The teardown logged both sessions' diagnostics, newest first, ended both, and passed.
    # The diagnostics name each session by its path (pabot<N>/DUT1_bad under pabot).
    Should Match Regexp    ${test}[teardown_log]    (?s)== ${prefix}DUT1_bad: VM ${BAD_ID} \\(kernelvm\\).*== ${prefix}DUT1_ok: VM ${OK_ID} \\(kernelvm\\)
    Should Be Equal    ${test}[teardown_status]    PASS
    VM Should Have Left Nothing    ${OK_ID}
    VM Should Have Left Nothing    ${BAD_ID}


*** Keywords ***
Set Up Suite
    Load Test Bed
    Start QemuUtils Server
    ${ok} =    QEMU Worker Qemu Id    5
    ${bad} =    QEMU Worker Qemu Id    6
    Set Suite Variable    ${OK_ID}    ${ok}
    Set Suite Variable    ${BAD_ID}    ${bad}
    # The sessions this suite calls keywords of by name, imported as robot --dryrun can (literal arguments).
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=DUT1_vm    AS    DUT1_vm
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=vnf_manager    AS    vnf_manager

Tear Down Suite
    Run Keyword And Ignore Error    Stop QemuUtils Server
