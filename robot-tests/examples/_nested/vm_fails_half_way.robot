*** Settings ***
Documentation       Run by 04_failure_handling.robot as a Robot run of its own: a test that fails half way, whose
...                 teardown must still end both VMs it set up. Variables: QEMU_REMOTE_URI, KERNEL, OK_ID, BAD_ID,
...                 QEMU_SESSION_PREFIX, and QEMU_SETTINGS (a variable file: the test bed's settings).
Resource            ../../../keywords/vm.resource
Library             ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=DUT1_ok    AS    DUT1_ok
Library             ${QEMU_REMOTE_LIBRARY}    ${QEMU_REMOTE_URI}    session=DUT1_bad    AS    DUT1_bad

Test Setup          QEMU Test Setup
Test Teardown       QEMU Test Teardown


*** Variables ***
&{DUT1}             host=localhost    type=DUT    transport=local
&{nodes}            DUT1=${DUT1}


*** Test Cases ***
Second VM fails to boot half way through the test
    # The first VM is configured (its init script is on the host) but the test never gets to start it.
    Set Up QemuUtils Session    DUT1_ok    ${nodes['DUT1']}    qemu_id=${OK_ID}    smp=${2}    mem=${1024}
    ...    vnf=testpmd_io    img=${KERNEL}
    DUT1_ok.Qemu Add Vhost User If    /run/qur-examples-04/sock-${OK_ID}-1
    DUT1_ok.Configure Kernelvm Vnf    queues=${1}    jumbo_frames=${False}
    # The second VM's VNF cannot run: the guest powers off before testpmd prints its banner.
    Set Up QemuUtils Session    DUT1_bad    ${nodes['DUT1']}    qemu_id=${BAD_ID}    smp=${2}    mem=${1024}
    ...    vnf=testpmd_io    img=${KERNEL}    testpmd_bin=/bin/false
    DUT1_bad.Configure Kernelvm Vnf    queues=${1}    jumbo_frames=${False}
    DUT1_bad.Qemu Start
    DUT1_ok.Qemu Start
