*** Settings ***
Documentation       Run twice at once by 05_concurrent_robot_runs.robot, as pabot runs suites: one VM session and
...                 one VM manager session, on dry-run nodes. Both runs check only after both created their
...                 instances, and end them only after both checked, so runs sharing a session would see each
...                 other's VM.
...                 Variables: QEMU_REMOTE_URI, WORKER, OTHER, SYNC_DIR (and PABOTQUEUEINDEX, as pabot sets it).
Library             OperatingSystem
Resource            ../../../keywords/vm.resource
Library             ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=DUT1_vm1    AS    DUT1_vm1
Library             ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=vnf_manager    AS    vnf_manager

Test Setup          QEMU Test Setup
Test Teardown       Run Keywords    Meet The Other Run    checked    AND    QEMU Test Teardown


*** Variables ***
&{DUT1}             host=pabot-dut    type=DUT    transport=dry-run    username=testuser
&{nodes}            DUT1=${DUT1}
# Whatever server runs them: dry-run nodes need the QEMU version and accelerator given.
&{QEMU_SETTINGS}    accel=tcg    qemu_version=7.2.0


*** Test Cases ***
One VM and one VM manager on this run's own sessions
    ${qemu_id} =    Evaluate    57 + ${WORKER}
    ${first_id} =    Evaluate    40 + 10 * ${WORKER}
    Set Up QemuUtils Session    DUT1_vm1    ${nodes['DUT1']}    qemu_id=${qemu_id}    smp=${2}    mem=${1024}
    ...    vnf=testpmd_io    img=/opt/boot/vmlinuz
    DUT1_vm1.Qemu Add Vhost User If    /var/run/vpp/sock-${qemu_id}-1
    Set Up VM Manager Session    ${nodes}
    vnf_manager.Construct VMs On All Nodes    nf_nodes=${2}    vnf=testpmd_io    nf_cpus=${{[[0, 1], [1, 0]]}}
    ...    first_qemu_id=${first_id}
    Meet The Other Run    created
    ${command} =    DUT1_vm1.Qemu Get Command Line
    Should Contain    ${command}    -pidfile /var/run/qemu_${qemu_id}.pid
    Should Contain    ${command}    path=/var/run/vpp/sock-${qemu_id}-1
    ${report} =    vnf_manager.Qemu Log Diagnostics
    Should Contain    ${report}    == DUT1_${first_id}: VM ${first_id} (kernelvm)


*** Keywords ***
Meet The Other Run
    [Documentation]    Waits until the other run has reached the same ``point``.
    [Arguments]    ${point}
    Create File    ${SYNC_DIR}/${point}-${WORKER}
    Wait Until Created    ${SYNC_DIR}/${point}-${OTHER}    timeout=120s
