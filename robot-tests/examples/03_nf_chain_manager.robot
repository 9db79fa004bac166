*** Settings ***
Documentation       A chain of two NFs (kernel VMs running testpmd) built and started by the VM manager, CSIT's
...                 QemuManager, through `Configure chains of NFs connected via vhost-user` (keywords/vm.resource).
...                 The manager lives in its own session (``vnf_manager``); it starts both VMs at once, their boot
...                 waits overlapped, pins them, and kills only its own VMs.
...
...                 Needs the test bed (``bash scripts/testbed/setup.sh``) and ``dist/`` built. Two TCG guests on
...                 2 cores take 60-200 s to boot.
Resource            testbed.resource
Resource            ../../keywords/vm.resource

Suite Setup         Set Up Suite
Suite Teardown      Tear Down Suite
Test Setup          QEMU Test Setup
Test Teardown       QEMU Test Teardown


*** Variables ***
${QEMU_SOCKET_DIR}      /run/qur-examples-03
# Set by the suite setup: QEMU Worker Qemu Id 3 (testbed.resource: 42 outside pabot), and the next.
${FIRST_ID}             ${None}
${SECOND_ID}            ${None}


*** Test Cases ***
Two-NF chain started by the VM manager
    ${vms} =    Configure chains of NFs connected via vhost-user    nf_chains=${1}    nf_nodes=${2}
    ...    vnf=testpmd_io    auto_scale=${False}    pinning=${True}
    ...    nf_cpus=${{[[0, 1], [1, 0]]}}    mem=${1024}    img=${QEMU_VM_KERNEL}    socket_dir=${QEMU_SOCKET_DIR}
    ...    first_qemu_id=${FIRST_ID}
    Should Be Equal    ${{list($vms)}}    ${{['DUT1_' + str($FIRST_ID), 'DUT1_' + str($SECOND_ID)]}}
    Should Be Equal    ${vms}[DUT1_${SECOND_ID}][interfaces][vhost1][socket]    ${QEMU_SOCKET_DIR}/sock-${SECOND_ID}-1
    # What the manager derived, as CSIT's QemuManager did: the NFs of a chain send to each other.
    ${report} =    vnf_manager.Qemu Log Diagnostics    lines=${3}
    Should Contain    ${report}    == DUT1_${FIRST_ID}: VM ${FIRST_ID} (kernelvm) on localhost, started by this instance
    Should Contain    ${report}    == DUT1_${SECOND_ID}: VM ${SECOND_ID} (kernelvm) on localhost, started by this instance
    Should Contain X Times    ${report}    Press enter to exit    2
    # QemuUtils keywords refuse a manager session, saying which session they need.
    Run Keyword And Expect Error    This session holds a VM manager*    vnf_manager.Qemu Start
    vnf_manager.Kill All VMs
    FOR    ${id}    IN    ${FIRST_ID}    ${SECOND_ID}
        VM Should Have Left Nothing    ${id}    ${QEMU_SOCKET_DIR}/sock-${id}-1    ${QEMU_SOCKET_DIR}/sock-${id}-2
    END

Construct only: ids, sockets, MACs and CPUs on a two-DUT topology
    [Documentation]    What the manager derives for 2 chains of 2 NFs on two (dry-run) DUTs: nothing starts.
    &{dry_dut} =    Create Dictionary    type=DUT    transport=dry-run    username=testuser
    ${topology} =    Evaluate    {'TG': {'type': 'TG', 'host': 'tg'}, 'DUT1': {**$dry_dut, 'host': 'dry-dut1'}, 'DUT2': {**$dry_dut, 'host': 'dry-dut2'}}
    Set Up VM Manager Session    ${topology}    manager=dry_manager
    ${vms} =    dry_manager.Construct VMs On All Nodes    nf_chains=${2}    nf_nodes=${2}    vnf=testpmd_mac
    ...    tg_if1_mac=3c:fd:fe:00:00:01    tg_if2_mac=3c:fd:fe:00:00:02    cpu_count_int=${1}    rxq_count_int=${2}
    ...    host_cpus=0-15
    ${names} =    Evaluate    [vm['name'] for vm in $vms]
    Should Be Equal    ${names}    ${{['DUT1_1', 'DUT1_2', 'DUT1_3', 'DUT1_4', 'DUT2_1', 'DUT2_2', 'DUT2_3', 'DUT2_4']}}
    Should Be Equal    ${vms}[1][sockets]    ${{['/var/run/vpp/sock-2-1', '/var/run/vpp/sock-2-2']}}
    Should Be Equal    ${vms}[1][vif1_mac]    52:54:00:00:01:02
    Should Be Equal    ${vms}[1][vif2_mac]    3c:fd:fe:00:00:02
    Should Be Equal    ${vms}[2][vif1_mac]    3c:fd:fe:00:00:01
    Should Be Equal    ${vms}[2][cpus]    ${{['3', '7']}}
    Should Be Equal    ${vms}[2][queues]    ${2}


*** Keywords ***
Set Up Suite
    Load Test Bed
    Start QemuUtils Server
    ${first} =    QEMU Worker Qemu Id    3
    Set Suite Variable    ${FIRST_ID}    ${first}
    Set Suite Variable    ${SECOND_ID}    ${first + 1}
    # The sessions this suite calls keywords of by name, imported as robot --dryrun can (literal arguments).
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=vnf_manager    AS    vnf_manager
    Import Library    ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=dry_manager    AS    dry_manager
    Create Directory    ${QEMU_SOCKET_DIR}
    Start Host Testpmd    examples03    ${QEMU_SOCKET_DIR}/sock-${FIRST_ID}-1    ${QEMU_SOCKET_DIR}/sock-${FIRST_ID}-2
    ...    ${QEMU_SOCKET_DIR}/sock-${SECOND_ID}-1    ${QEMU_SOCKET_DIR}/sock-${SECOND_ID}-2

Tear Down Suite
    Run Keyword And Ignore Error    Stop Host Testpmd    examples03
    Run Keyword And Ignore Error    Stop QemuUtils Server
    Remove Directory    ${QEMU_SOCKET_DIR}    recursive=True
