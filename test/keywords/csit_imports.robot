*** Settings ***
Documentation       Fixture of test/keywords/csit-imports.test.ts: CSIT 2019's constructor imports, ported by their
...                 library name only (keywords/QemuUtils.py, keywords/QemuManager.py), on a dry-run DUT.
...                 Variables from the test's variable file: QEMU_REMOTE_URI, nodes, PACKAGE_VERSION.


*** Test Cases ***
The import's arguments reach Qemu Init on the first call
    Import Library    ${CURDIR}/../../keywords/QemuUtils.py    ${nodes['DUT1']}    qemu_id=${43}    smp=${2}
    ...    mem=${1024}    vnf=testpmd_io    img=/opt/boot/vmlinuz    WITH NAME    vm1
    vm1.Qemu Add Vhost User If    /var/run/vpp/sock-43-1
    ${command} =    vm1.Qemu Get Command Line
    Should Contain    ${command}    -pidfile /var/run/qemu_43.pid
    Should Contain    ${command}    -smp 2,sockets=1,cores=2,threads=1
    Should Contain    ${command}    path=/var/run/vpp/sock-43-1
    # The library version, from any session: the package's.
    ${version} =    vm1.Get Library Version
    Should Be Equal    ${version}    ${PACKAGE_VERSION}

A new test gets a new instance from the same import
    # As the original's TEST CASE scope: the previous test's NIC is gone with its instance.
    Import Library    ${CURDIR}/../../keywords/QemuUtils.py    ${nodes['DUT1']}    qemu_id=${43}    smp=${2}
    ...    mem=${1024}    vnf=testpmd_io    img=/opt/boot/vmlinuz    WITH NAME    vm1
    ${command} =    vm1.Qemu Get Command Line
    Should Contain    ${command}    -pidfile /var/run/qemu_43.pid
    Should Not Contain    ${command}    sock-43-1

Two imports are two sessions, each with its own VM
    Import Library    ${CURDIR}/../../keywords/QemuUtils.py    node=${nodes['DUT1']}    WITH NAME    vm_node
    Import Library    ${CURDIR}/../../keywords/QemuUtils.py    ${nodes['DUT1']}    qemu_id=${44}    WITH NAME    qemu-44
    ${first} =    vm_node.Qemu Get Command Line
    ${second} =    qemu-44.Qemu Get Command Line
    Should Contain    ${first}    -pidfile /var/run/qemu_1.pid
    Should Contain    ${second}    -pidfile /var/run/qemu_44.pid

An explicit Qemu Init as the first call runs once, with its own arguments
    Import Library    ${CURDIR}/../../keywords/QemuUtils.py    ${nodes['DUT1']}    qemu_id=${45}    WITH NAME    vm_explicit
    vm_explicit.Qemu Init    ${nodes['DUT1']}    qemu_id=${46}
    ${command} =    vm_explicit.Qemu Get Command Line
    Should Contain    ${command}    -pidfile /var/run/qemu_46.pid

The VM manager from its import
    Import Library    ${CURDIR}/../../keywords/QemuManager.py    ${nodes}    WITH NAME    vnf_manager
    ${vms} =    vnf_manager.Construct VMs on all nodes    nf_chains=${1}    nf_nodes=${2}    vnf=testpmd_io
    ...    nf_cpus=${{[[0, 1], [1, 0]]}}    first_qemu_id=${47}
    ${names} =    Evaluate    [vm['name'] for vm in $vms]
    Should Be Equal    ${names}    ${{['DUT1_47', 'DUT1_48']}}
    ${report} =    vnf_manager.Qemu Log Diagnostics
    Should Contain    ${report}    == DUT1_48: VM 48 (kernelvm)
