*** Settings ***
Documentation       Fixture of test/keywords/resources.test.ts: every keyword of keywords/*.resource, on dry-run
...                 nodes (variables from the JSON variable file the test writes: QEMU_REMOTE_URI, nodes,
...                 tg_if1_mac, tg_if2_mac).
Resource            ../../keywords/vm.resource

Suite Setup         Suite Scope Session
Suite Teardown      QEMU Suite Teardown
Test Setup          QEMU Test Setup
Test Teardown       QEMU Test Teardown


*** Test Cases ***
Testpmd VMs on a node
    ${refs} =    Configure guest VMs with dpdk-testpmd connected via vhost-user on node    DUT1
    ...    ${{[[0, 1], [1, 0]]}}    first_qemu_id=${11}    mem=${1024}    use_tuned_cfs=${True}
    Should Be Equal    ${{list($refs)}}    ${{['DUT1_VM1', 'DUT1_VM2']}}
    Should Be Equal    ${DUT1_vm_refs}    ${refs}
    Should Be Equal    ${refs}[DUT1_VM2][interfaces][vhost2][socket]    /var/run/vpp/sock-12-2
    [Teardown]    Tear down VMs with dpdk-testpmd    ${DUT1_vm_refs}

Chain of NFs through the VM manager
    ${vms} =    Configure chains of NFs connected via vhost-user    nf_nodes=${2}    vnf=testpmd_mac
    ...    use_tuned_cfs=${True}    host_cpus=0-7    first_qemu_id=${21}
    Should Be Equal    ${{list($vms)}}    ${{['DUT1_21', 'DUT1_22']}}
    Should Be Equal    ${nf_vms}    ${vms}
    [Teardown]    Tear down guest VMs of the manager

One VM in a session, ended by the default test teardown
    Set Up QemuUtils Session    one_vm    ${nodes['DUT1']}    qemu_id=${41}    smp=${2}    mem=${1024}
    ...    vnf=testpmd_io    img=/opt/boot/vmlinuz
    one_vm.Configure Kernelvm Vnf    queues=${1}    jumbo_frames=${False}
    Should Be Equal    ${QEMU_TEST_SESSIONS}    ${{['one_vm']}}

One VM ended by Tear down QEMU
    Set Up QemuUtils Session    vm_node    ${nodes['DUT1']}    qemu_id=${42}    smp=${2}    vnf=testpmd_io
    ...    img=/opt/boot/vmlinuz
    vm_node.Configure Kernelvm Vnf    queues=${1}    jumbo_frames=${False}
    [Teardown]    Tear down QEMU

Default qemu ids of a pabot worker
    ${id} =    QEMU Worker Qemu Id    1
    Should Be Equal    ${id}    ${1}
    Set Test Variable    ${PABOTQUEUEINDEX}    5
    Set Test Variable    ${PABOTEXECUTIONPOOLID}    1
    ${id} =    QEMU Worker Qemu Id    2
    Should Be Equal    ${id}    ${22}
    # Worker 1's default id reaches Qemu Init: VM 21, SSH port 10021 + 21.
    ${vm} =    Configure guest VM with dpdk-testpmd connected via vhost-user    DUT1    /var/run/vpp/sock-w1-1
    ...    /var/run/vpp/sock-w1-2    worker_vm    ${{[0, 1]}}    mem=${1024}
    Should Be Equal    ${vm}[port]    ${10042}
    ${manager_uri} =    QEMU Session URI    vnf_manager
    Should Be Equal    ${manager_uri}    ${QEMU_REMOTE_URI}/pabot5/vnf_manager

Session paths of this run
    ${uri} =    QEMU Session URI    vm1
    Should Be Equal    ${uri}    ${QEMU_REMOTE_URI}/vm1
    Set Test Variable    ${PABOTQUEUEINDEX}    3
    ${uri} =    QEMU Session URI    vm1
    Should Be Equal    ${uri}    ${QEMU_REMOTE_URI}/pabot3/vm1
    Set Test Variable    ${QEMU_SESSION_PREFIX}    mine/
    ${uri} =    QEMU Session URI    vm1
    Should Be Equal    ${uri}    ${QEMU_REMOTE_URI}/mine/vm1


*** Keywords ***
Suite Scope Session
    Set Up QemuUtils Session    suite_vm    ${nodes['DUT1']}    qemu_id=${31}    smp=${2}    vnf=testpmd_io
    ...    img=/opt/boot/vmlinuz
    suite_vm.Configure Kernelvm Vnf    queues=${1}    jumbo_frames=${False}
