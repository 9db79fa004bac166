*** Settings ***
Documentation       CSIT HEAD's VM contract: `Configure chains of NFs connected via vhost-user` (keywords/vm_head.resource)
...                 called as HEAD's vm_vhost testpmd_io suites call it, one chain of one NF (1x1). HEAD's QemuManager
...                 (the server's, session ``vnf_manager``, ``contract=head``) builds and starts the VM; the keyword
...                 puts the VM dict into ``${nodes}`` under HEAD's name (``DUT1_<id>``) and appends the pinned CPUs
...                 to ``${cpu_alloc_str}``. HEAD's teardown action `Additional Test Tear Down Action For vhost`
...                 kills the VM and takes its dict out of ``${nodes}`` again.
...
...                 The guest boots HEAD's way: Debian's kernel with the bed's initrd (``img``: the bed's
...                 ``headImg``), HEAD's init script starting dpdk-testpmd in it. The host's testpmd plays host VPP:
...                 it is started *before* the VM, because HEAD's vhost-user sockets are QEMU's servers and QEMU
...                 does not start until its client connects; it sends on both ports and counts what comes back.
...
...                 Past HEAD, for the bed's 2 CPUs (a HEAD suite sets none of them): ``${VM_HEAD_FIRST_QEMU_ID}``
...                 (`QEMU Worker Qemu Id` 8: 47 outside pabot), ``${VM_HEAD_MEM}``, ``${VM_HEAD_IMG}``,
...                 ``${VM_HEAD_SKIP_CPUS}``; and the guest gets fewer huge pages and a longer boot budget
...                 (robot-tests/head/head_bed.resource).
...
...                 Needs the test bed with its HEAD boot path (``bash scripts/testbed/setup.sh``) and ``dist/``
...                 built. Under TCG on 2 cores: 1.5-5 minutes (HEAD's testpmd fills a large mbuf pool first).
Resource            testbed.resource
Resource            ../../keywords/vm_head.resource
Resource            ../head/head_bed.resource

Suite Setup         Set Up Suite
Suite Teardown      Stop QemuUtils Server
Test Setup          QEMU Test Setup
Test Teardown       Tear Down HEAD Test


*** Variables ***
# What a HEAD vm_vhost 64B-1c suite sets (its variables, `Add worker threads to all DUTs 1 1`, default.robot).
@{TG_pf1_mac}       02:00:00:00:00:01
@{TG_pf2_mac}       02:00:00:00:00:02
${cpu_count_int}    ${1}
${rxq_count_int}    ${1}
${nf_dtc}           ${1}
${nf_dtcr}          ${1}
${page_size}        2M
${jumbo}            ${False}
${cpu_alloc_str}    ${0}
# Past HEAD, the bed's size: 1024 MB guests on CPUs from 0 (no host-VPP cores to skip). The first qemu id and
# the kernel are set by the suite setup.
${VM_HEAD_MEM}      ${1024}
${VM_HEAD_SKIP_CPUS}    ${0}
${VM_HEAD_FIRST_QEMU_ID}    ${None}
${VM_HEAD_IMG}      ${None}
# Seconds of traffic through the chain before the peer's counters are read.
${TRAFFIC_SECONDS}    10


*** Test Cases ***
1x1 testpmd_io chain, as HEAD's vm_vhost suites configure it
    Start Host Peer    examples07-${QEMU_ID}    ${QEMU_ID}
    Configure chains of NFs connected via vhost-user
    ...    nf_chains=${1}    nf_nodes=${1}    jumbo=${jumbo}    use_tuned_cfs=${False}    auto_scale=${True}
    ...    vnf=testpmd_io
    # default.robot's 0, then the VM's CPUs: vCPU 0 (testpmd's main lcore) on CPU 0, vCPU 1 (its data core) on 1.
    Should Be Equal    ${cpu_alloc_str}    0,0,1
    Vcpus Should Be Pinned To    /run/qemu_${QEMU_ID}.pid    0,1
    # The VM dict, where a HEAD suite finds it (HEAD's guest credentials, SSH through host port 10021 + id).
    ${vm} =    Set Variable    ${nodes}[DUT1_${QEMU_ID}]
    Should Be Equal    ${vm}[type]    VM
    Should Be Equal    ${vm}[username]    testuser
    Should Be Equal As Integers    ${vm}[port]    ${10021 + ${QEMU_ID}}
    Should Be Equal    ${vm}[interfaces][vhost1][socket]    /run/vpp/sock-${QEMU_ID}-1
    Should Be Equal    ${vm}[interfaces][vhost2][socket]    /run/vpp/sock-${QEMU_ID}-2
    # The peer's two ports reach only the guest and never forward to each other (flowgen): every frame they
    # received went through the guest's testpmd.
    Sleep    ${TRAFFIC_SECONDS}
    ${output} =    Stop Host Peer    examples07-${QEMU_ID}
    ${ports} =    Frames Should Have Come Back On Every Port    ${output}    2
    Log    Host peer, frames sent and received back per port: ${ports}

The teardown took the VM out of nodes and left nothing behind
    Dictionary Should Not Contain Key    ${nodes}    DUT1_${QEMU_ID}
    Nothing Should Be Left Of Head VM    ${QEMU_ID}
    # No chain in this test, so no HEAD teardown action: like HEAD's QemuManager, the manager session has no
    # VMs to kill now and would say so.
    [Teardown]    NONE


*** Keywords ***
Set Up Suite
    Load Test Bed
    ${head_img} =    Get From Dictionary    ${TESTBED}    headImg    ${EMPTY}
    Should Not Be Empty    ${head_img}    The test bed has no HEAD boot path yet: run bash scripts/testbed/setup.sh
    Start QemuUtils Server
    # HEAD's guest on the bed: fewer huge pages (HEAD's 512 would be all of 1024 MB), minutes to boot.
    Set To Dictionary    ${QEMU_SETTINGS}    kernel_args=${TESTBED}[kernelExtraArgs] ${HEAD_GUEST_HUGEPAGES_ARGS}
    ...    boot_timeout=${HEAD_BOOT_TIMEOUT}
    ${id} =    QEMU Worker Qemu Id    8
    Set Suite Variable    ${QEMU_ID}    ${id}
    Set Suite Variable    ${VM_HEAD_FIRST_QEMU_ID}    ${id}
    Set Suite Variable    ${VM_HEAD_IMG}    ${head_img}

Tear Down HEAD Test
    [Documentation]    A HEAD suite's ``Tear down test | performance | vhost`` (CSIT's test_teardown.robot) ends in
    ...    `Additional Test Tear Down Action For vhost`: the manager's VMs are killed, their dicts leave
    ...    ``${nodes}``. Then the bed's parts: the peer stops, the test's sessions end.
    Run Keyword If Test Failed    Show QEMU Diagnostics    ${VM_HEAD_MANAGER}
    Additional Test Tear Down Action For vhost
    Stop Host Peer If Started
    QEMU Test Teardown
