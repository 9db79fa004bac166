import { QemuConfigError, QemuStartError, QemuStateError } from '../../src/qemu/errors';
import { QemuUtils } from '../../src/qemu/qemu-utils';
import { DEFAULT_SETTINGS, mergeSettings } from '../../src/qemu/settings';
import { commandLines, clearRecords, dryRunNode, execs, exactly, HUGEPAGES_OK, hugepageStatus, writes } from '../support/dry-run-node';
import { HUGEPAGE_STATUS_COMMAND } from '../../src/qemu/hugepages';
import { collapseSpaces, kernelvmStartWithDeviations, VERIFIED_KERNELVM_START, VERIFIED_TESTPMD_MAC } from '../support/verified';

const QEMU_72 = { match: '--version', stdout: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n' };
const VIF1 = '52:54:00:00:01:02';
const VIF2 = '52:54:00:00:03:01';

function testpmdMacVm(node = dryRunNode(), settings = mergeSettings()): QemuUtils {
  return new QemuUtils(node, { qemuId: 1, smp: 3, mem: 4096, vnf: 'testpmd_mac', img: '/opt/boot/vmlinuz' }, settings);
}

describe('QemuUtils constructor', () => {
  it('builds the VM dict and temp file names as the original', () => {
    const node = dryRunNode([], { port: 2222, password: 'secret' });
    const vm = new QemuUtils(node, { qemuId: 3 });
    expect(vm.vmType).toBe('nestedvm');
    expect(vm.tempFiles()).toEqual({ pidfile: '/var/run/qemu_3.pid', qmp: '/var/run/qmp_3.sock', qga: '/var/run/qga_3.sock' });
    const kernelvm = new QemuUtils(dryRunNode(), { qemuId: 2, img: '/opt/boot/vmlinuz' });
    expect(kernelvm.tempFiles()).toEqual({ pidfile: '/var/run/qemu_2.pid', qmp: '/var/run/qmp_2.sock', log: '/tmp/serial_2.log', ini: '/etc/vm_init_2.conf' });
  });

  it('reaches the node only when it needs to (the original asked for the version in the nestedvm constructor)', () => {
    const node = dryRunNode();
    new QemuUtils(node);
    expect(commandLines(node)).toEqual([]);
  });

  it('refuses unknown image paths unless vm_type says what they are', () => {
    expect(() => new QemuUtils(dryRunNode(), { img: '/srv/kernel' })).toThrow(/QEMU: Unknown VM image option! .*give vm_type=nestedvm or vm_type=kernelvm/);
    expect(new QemuUtils(dryRunNode(), { img: '/srv/kernel', vmType: 'kernelvm' }).vmType).toBe('kernelvm');
  });

  it('refuses ids that cannot make a MAC and unsupported arches', () => {
    expect(() => new QemuUtils(dryRunNode(), { qemuId: 256 })).toThrow(/qemu_id must be an integer 0\.\.255/);
    expect(() => new QemuUtils(dryRunNode([], { arch: 'ppc64le' }))).toThrow(/arch "ppc64le" is not supported/);
  });
});

describe('Qemu Get Command Line', () => {
  it('gives the verified kernelvm line (modulo documented deviations) when the QEMU version is unknown', async () => {
    const node = dryRunNode();
    const vm = testpmdMacVm(node);
    vm.qemuAddVhostUserIf('/var/run/vpp/sock-1-1', { jumboFrames: false, queues: 1, queueSize: 1024 });
    expect(await vm.qemuGetCommandLine()).toBe(kernelvmStartWithDeviations(VERIFIED_KERNELVM_START));
    expect(commandLines(node)).toEqual(['sudo -S /usr/bin/qemu-system-x86_64 --version']);
  });

  it('asks the binary under bin_path once, and writes for the version found', async () => {
    const node = dryRunNode([QEMU_72]);
    const vm = new QemuUtils(node, { qemuId: 2, binPath: '/opt/qemu-2.11.2-base/bin/' });
    const first = await vm.qemuGetCommandLine();
    await vm.qemuGetCommandLine();
    expect(commandLines(node)).toEqual(['sudo -S /opt/qemu-2.11.2-base/bin/qemu-system-x86_64 --version']);
    expect(first.startsWith('/opt/qemu-2.11.2-base/bin/qemu-system-x86_64 -daemonize -nodefaults ')).toBe(true);
    expect(first).toContain('if=virtio,file.locking=off -qmp unix:/var/run/qmp_2.sock,server=on,wait=off');
    expect(first).not.toContain('-balloon');
  });

  it('uses a pinned qemu_version without asking, and tcg without -enable-kvm', async () => {
    const node = dryRunNode();
    const vm = new QemuUtils(node, {}, mergeSettings({ qemuVersion: '7.2', accel: 'tcg' }));
    const line = await vm.qemuGetCommandLine();
    expect(commandLines(node)).toEqual([]);
    expect(line).toContain('-vga none -pidfile /var/run/qemu_1.pid -cpu max -machine pc,accel=tcg,');
  });

  it('with accel=auto probes the node and picks tcg where the CPU has no vmx/svm', async () => {
    const node = dryRunNode([QEMU_72, exactly('grep -m1 -owE "vmx|svm" /proc/cpuinfo', { rc: 1 })]);
    const vm = new QemuUtils(node, {}, mergeSettings({ accel: 'auto' }));
    const line = await vm.qemuGetCommandLine();
    expect(commandLines(node)).toEqual(['sudo -S /usr/bin/qemu-system-x86_64 --version', 'test -c /dev/kvm', 'grep -m1 -owE "vmx|svm" /proc/cpuinfo']);
    expect(line).toContain('-machine pc,accel=tcg');
  });

  it('with accel=auto picks kvm only when a paused QEMU also starts under KVM', async () => {
    const node = dryRunNode([QEMU_72, { match: '-S -qmp stdio', rc: 134, stderr: 'error: failed to set MSR 0x10a to 0x69\n' }]);
    const vm = new QemuUtils(node, {}, mergeSettings({ accel: 'auto' }));
    expect(await vm.qemuGetCommandLine()).toContain('accel=tcg');
    const probe = execs(node).find((record) => record.command.includes('-S -qmp stdio'));
    expect(probe?.commandLine).toBe(
      'sudo -S timeout 20 /usr/bin/qemu-system-x86_64 -machine pc,accel=kvm -cpu host -m 64 -nodefaults -no-user-config -display none -S -qmp stdio',
    );
    expect(probe?.stdin).toBe('{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n');

    const kvmNode = dryRunNode([QEMU_72]);
    expect(await new QemuUtils(kvmNode, {}, mergeSettings({ accel: 'auto' })).qemuGetCommandLine()).toContain('-enable-kvm -pidfile');
  });
});

describe('Configure Kernelvm Vnf', () => {
  it('testpmd_mac: writes the init script running the testpmd line, via writeFile, executable', async () => {
    const node = dryRunNode();
    const vm = testpmdMacVm(node);
    await vm.configureKernelvmVnf({ mac1: '52:54:00:00:01:01', mac2: '52:54:00:00:01:02', vif1_mac: VIF1, vif2_mac: VIF2, queues: 1, jumbo_frames: false });
    expect(commandLines(node)).toEqual(['sudo -S rm -f /etc/vm_init_1.conf']);
    const [init] = writes(node);
    expect(init).toMatchObject({ path: '/etc/vm_init_1.conf', sudo: true, mode: '755' });
    const testpmd = collapseSpaces(VERIFIED_TESTPMD_MAC.replace('<vif1_mac>', VIF1).replace('<vif2_mac>', VIF2));
    expect(init.content).toContain(`\n/opt/dpdk-19.02/x86_64-native-linuxapp-gcc/app/${testpmd}\n`);
    expect(vm.createdFiles()).toEqual(['/etc/vm_init_1.conf']);
  });

  it('takes the known kwargs typed, naming the keyword and the argument otherwise (Robot text is the library\'s to convert)', async () => {
    const vm = new QemuUtils(dryRunNode(), { smp: 2, vnf: 'testpmd_io', img: '/opt/boot/vmlinuz' });
    expect(vm.createKernelvmConfigTestpmdIo({ queues: 2, jumbo_frames: true })).toContain('--txq=2 --rxq=2 --total-num-mbufs=16384 --max-pkt-len=9200');
    expect(() => vm.createKernelvmConfigTestpmdIo({ queues: '2', jumbo_frames: false })).toThrow(/^Create Kernelvm Config Testpmd Io: queues must be an integer 1\.\.1024, got "2"$/);
    expect(() => vm.createKernelvmConfigTestpmdIo({ queues: 2, jumbo_frames: 'False' })).toThrow(/^Create Kernelvm Config Testpmd Io: jumbo_frames must be true or false, got "False"$/);
  });

  it('testpmd with the host DPDK settings: testpmd_bin and --main-lcore', async () => {
    const settings = mergeSettings({ testpmdBin: '/usr/bin/dpdk-testpmd', testpmdMainLcoreFlag: '--main-lcore' });
    const vm = new QemuUtils(dryRunNode(), { smp: 2, vnf: 'testpmd_io', img: '/opt/boot/vmlinuz' }, settings);
    expect(vm.createKernelvmConfigTestpmdIo({ queues: 1, jumbo_frames: false })).toBe(
      '/usr/bin/dpdk-testpmd -v -l 0-1 --main-lcore 0 --in-memory -- --forward-mode=io --burst=64 --txd=1024 --rxd=1024 --txq=1 --rxq=1 --total-num-mbufs=16384 --nb-cores=1',
    );
  });

  it('vpp: startup config, exec file from the VNF template, init running vpp -c', async () => {
    const node = dryRunNode();
    const vm = new QemuUtils(node, { qemuId: 1, smp: 3, vnf: 'vpp_chain_ip4', img: '/opt/boot/vmlinuz' });
    await vm.configureKernelvmVnf({ mac1: '52:54:00:00:01:01', mac2: '52:54:00:00:01:02', vif1_mac: VIF1, vif2_mac: VIF2, queues: 1, jumbo_frames: false });
    expect(commandLines(node)).toEqual([
      'sudo -S mkdir -p /etc/vpp',
      'sudo -S rm -f /etc/vpp/vm_startup_1.conf',
      'sudo -S rm -f /etc/vpp/vm_running_1.exec',
      'sudo -S rm -f /etc/vm_init_1.conf',
    ]);
    const files = Object.fromEntries(writes(node).map((record) => [record.path, record.content]));
    expect(Object.keys(files)).toEqual(['/etc/vpp/vm_startup_1.conf', '/etc/vpp/vm_running_1.exec', '/etc/vm_init_1.conf']);
    expect(files['/etc/vpp/vm_startup_1.conf']).toContain('  exec /etc/vpp/vm_running_1.exec\n');
    expect(files['/etc/vpp/vm_startup_1.conf']).toContain('  corelist-workers 1-2\n');
    expect(files['/etc/vpp/vm_running_1.exec']).toContain(`set ip arp static GigabitEthernet0/6/0 1.1.1.2 ${VIF1}\n`);
    expect(files['/etc/vm_init_1.conf']).toContain('\n/usr/bin/vpp -c /etc/vpp/vm_startup_1.conf\n');
    expect(vm.tempFiles()).toMatchObject({ startup: '/etc/vpp/vm_startup_1.conf', running: '/etc/vpp/vm_running_1.exec' });
  });

  it('fails clearly for a missing vnf, an unknown one, a missing kwarg, or a VNF template that does not exist', async () => {
    await expect(new QemuUtils(dryRunNode(), { img: '/opt/boot/vmlinuz' }).configureKernelvmVnf({ jumbo_frames: false })).rejects.toThrow(/vnf is None/);
    await expect(new QemuUtils(dryRunNode(), { img: '/opt/boot/vmlinuz', vnf: 'iperf3' }).configureKernelvmVnf({ jumbo_frames: false })).rejects.toThrow(
      /Unsupported VNF! "iperf3"/,
    );
    await expect(testpmdMacVm().configureKernelvmVnf({ queues: 1, jumbo_frames: false, vif1_mac: VIF1 })).rejects.toThrow(/needs the named argument vif2_mac=/);
    const node = dryRunNode();
    await expect(new QemuUtils(node, { img: '/opt/boot/vmlinuz', vnf: 'vpp_../../x' }).configureKernelvmVnf({ jumbo_frames: false })).rejects.toThrow(/no VPP template/);
    expect(writes(node)).toEqual([]);
  });

  it('refuses template values with line breaks, which would add commands', async () => {
    const vm = new QemuUtils(dryRunNode(), { vnf: 'vpp_chain_ip4', img: '/opt/boot/vmlinuz' });
    await expect(vm.configureKernelvmVnf({ jumbo_frames: false, mac1: 'aa\nset interface state x down' })).rejects.toThrow(/mac1 must be a single line/);
  });

  it('is refused on a nestedvm', async () => {
    await expect(new QemuUtils(dryRunNode(), { vnf: 'testpmd_io' }).configureKernelvmVnf({ queues: 1, jumbo_frames: false })).rejects.toThrow(QemuStateError);
  });
});

describe('Qemu Start, Qemu Kill on a dry-run node', () => {
  const PID = '4242';
  function startableKernelvm(extra: Parameters<typeof dryRunNode>[0] = []): { vm: QemuUtils; node: ReturnType<typeof dryRunNode> } {
    const node = dryRunNode([
      ...extra,
      QEMU_72,
      ...HUGEPAGES_OK,
      exactly('sudo -S cat /var/run/qemu_1.pid', { stdout: `${PID}\n` }),
      { match: 'tail -c +1 -F', stdout: 'Linux version 6.1\nEAL: Detected 2 lcores\nPress enter to exit\n' },
      { match: `pid=${PID}\n`, stdout: `@@qemu-utils-remote killed ${PID}\n` },
      { match: `/proc/${PID}/stat`, stdout: 'qemu-utils-remote: process gone\n' },
    ]);
    const vm = new QemuUtils(node, { qemuId: 1, smp: 2, mem: 1024, vnf: 'testpmd_io', img: '/opt/boot/vmlinuz' }, mergeSettings({ accel: 'tcg', kernelArgs: 'pci=nomsi' }));
    return { vm, node };
  }

  it('checks huge pages, starts QEMU with sudo, returns the VM dict once the VNF prints its marker', async () => {
    const { vm, node } = startableKernelvm();
    vm.qemuAddVhostUserIf('/run/vpp/sock-1-1');
    vm.qemuAddVhostUserIf('/run/vpp/sock-1-2', { server: false });
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
    const expectedStart = `sudo -S ${await vm.qemuGetCommandLine()}`;
    clearRecords(node);
    const info = await vm.qemuStart();
    expect(info).toEqual({
      host: node.host,
      type: 'VM',
      port: 10022,
      serial: 4556,
      username: 'cisco',
      password: 'cisco',
      interfaces: {
        vhost1: { mac_address: '52:54:00:00:01:01', socket: '/run/vpp/sock-1-1' },
        vhost2: { mac_address: '52:54:00:00:01:02', socket: '/run/vpp/sock-1-2' },
      },
      // A dry-run DUT's VM is a dry-run node too.
      transport: 'dry-run',
    });
    const lines = commandLines(node);
    // First, whether a VM left by a previous server run holds the pid file.
    expect(lines[0]).toMatch(/^sudo -S sh -c 'lpf=\/var\/run\/qemu_1\.pid; left=\n/);
    expect(lines.slice(1, 3)).toEqual([
      HUGEPAGE_STATUS_COMMAND,
      expectedStart,
    ]);
    expect(lines).toContain('sudo -S cat /var/run/qemu_1.pid');
    // Under TCG the boot budget is 300 s (the original's 60 s assume KVM); the stream bounds itself 5 s later.
    expect(lines).toContain('sudo -S timeout --foreground 305 tail -c +1 -F /tmp/serial_1.log');
    expect(vm.running).toBe(true);

    clearRecords(node);
    await vm.qemuKill();
    // One round trip: kill the pid read at start (only if its cmdline names our pid file), wait, show, remove.
    const [kill, ...rest] = commandLines(node);
    expect(rest).toEqual([]);
    expect(kill).toMatch(/^sudo -S sh -c 'pf=\/var\/run\/qemu_1\.pid\npid=4242\n/);
    expect(kill).toContain('grep -qaF -- "$pf" /proc/$pid/cmdline');
    expect(kill).toContain('kill -KILL "$pid"');
    expect(kill).toContain('for f in /etc/vm_init_1.conf /var/run/qemu_1.pid /tmp/serial_1.log; do');
    // Only what this instance created: the client-mode socket /run/vpp/sock-1-2 belongs to its server.
    expect(kill).toMatch(/\nrm -f -- \/etc\/vm_init_1\.conf \/var\/run\/qemu_1\.pid \/var\/run\/qmp_1\.sock \/tmp\/serial_1\.log \/run\/vpp\/sock-1-1 \/var\/run\/qemu_1\.owner'$/);
    expect(vm.running).toBe(false);
    expect(vm.createdFiles()).toEqual([]);
  });

  it('fails at once with the serial log tail when the guest kernel panics, and cleans up only the runtime files', async () => {
    const { vm, node } = startableKernelvm([
      { match: 'tail -c +1 -F', stdout: 'HugeTLB: allocating 256 of page size 2.00 MiB failed.\nKernel panic - not syncing: System is deadlocked on memory\n' },
    ]);
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
    const failure = vm.qemuStart();
    await expect(failure).rejects.toThrow(QemuStartError);
    await expect(failure).rejects.toThrow(
      /the guest kernel panicked: Kernel panic - not syncing: System is deadlocked on memory\nQemu Start on node testuser@dut-\S+:22 failed while waiting for the VM to boot \(serial log \/tmp\/serial_1\.log\)\.\nSerial log tail:\nHugeTLB/,
    );
    const last = commandLines(node).pop();
    expect(last).toContain('kill -KILL "$pid"');
    expect(last).toMatch(/\nrm -f -- \/var\/run\/qemu_1\.pid \/var\/run\/qmp_1\.sock \/tmp\/serial_1\.log \/var\/run\/qemu_1\.owner'$/);
    expect(vm.createdFiles()).toEqual(['/etc/vm_init_1.conf']);
    expect(vm.running).toBe(false);
  });

  it('nestedvm: a panic on the guest console fails the boot at once, with the console tail, while the agent never answers', async () => {
    const node = dryRunNode([
      QEMU_72,
      ...HUGEPAGES_OK,
      exactly('sudo -S cat /var/run/qemu_1.pid', { stdout: `${PID}\n` }),
      { match: '/dev/tcp/127.0.0.1/4556', stdout: 'Booting the kernel.\r\nKernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\r\n' },
      { match: `pid=${PID}\n`, stdout: `@@qemu-utils-remote killed ${PID}\n` },
    ]);
    const vm = new QemuUtils(node, { qemuId: 1, mem: 512 }, mergeSettings({ accel: 'tcg' }));
    const failure = vm.qemuStart();
    await expect(failure).rejects.toThrow(
      /^QEMU: VM failed to boot on dut-.*! the guest kernel panicked: Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block\(0,0\)\nConsole tail:\nBooting the kernel\.\n/,
    );
    const lines = commandLines(node);
    expect(lines).toContain(`timeout --foreground 305 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4556 && exec cat <&3'`);
    expect(lines[lines.length - 1]).toMatch(/\nrm -f -- \/var\/run\/qemu_1\.pid \/var\/run\/qmp_1\.sock \/var\/run\/qga_1\.sock \/tmp\/serial_1\.log \/var\/run\/qemu_1\.owner'$/);
    expect(vm.running).toBe(false);
  });

  it('reports QEMU refusing to start with its stderr', async () => {
    const { vm } = startableKernelvm([{ match: '-daemonize', rc: 1, stderr: "qemu-system-x86_64: -balloon: invalid option\n" }]);
    await expect(vm.qemuStart()).rejects.toThrow(/QEMU: Start failed on dut-.*! rc 1: qemu-system-x86_64: -balloon: invalid option/);
  });

  it('adds the accel/cpu_model hint when KVM cannot set an MSR', async () => {
    const stderr = 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000000d0c6b\nqemu-system-x86_64: kvm_buf_set_msrs: Assertion failed.\n';
    const { vm } = startableKernelvm([{ match: '-daemonize', rc: 134, stderr }]);
    await expect(vm.qemuStart()).rejects.toThrow(/QEMU: Start failed on dut-.*! rc 134: .*failed to set MSR 0x10a[\s\S]*\nHint: .*accel=tcg, or accel=auto.*cpu_model=/);
  });

  it('fails before starting anything when huge pages are short', async () => {
    const { vm, node } = startableKernelvm([hugepageStatus({ free: 100, total: 4096 })]);
    await expect(vm.qemuStart()).rejects.toThrow(/Not enough free huge pages: 100, 200 MB free of 4096 pages of 2048 kB, 1024 MB needed/);
    expect(commandLines(node).some((line) => line.includes('-daemonize'))).toBe(false);
  });

  it('Qemu Kill All kills every qemu (pkill) and then only its own files', async () => {
    const { vm, node } = startableKernelvm();
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
    await vm.qemuStart();
    clearRecords(node);
    const warnings: string[] = [];
    await vm.qemuKillAll({ log: { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (message) => warnings.push(message) } });
    expect(commandLines(node)).toContain('sudo -S pkill -SIGKILL qemu');
    expect(warnings[0]).toMatch(/killing EVERY process named like "qemu"/);
    const last = commandLines(node).pop();
    expect(last).not.toContain('kill -KILL');
    expect(last).toMatch(/\nrm -f -- \/etc\/vm_init_1\.conf \/var\/run\/qemu_1\.pid \/var\/run\/qmp_1\.sock \/tmp\/serial_1\.log \/var\/run\/qemu_1\.owner'$/);
  });

  it('Qemu Kill before any start removes only the files written, and kills only a VM left by a previous server run', async () => {
    const { vm, node } = startableKernelvm();
    await vm.qemuKill();
    // One round trip: a VM a previous server run left on the pid file would be adopted (none answers here).
    const [adopt, ...others] = commandLines(node);
    expect(others).toEqual([]);
    expect(adopt).toMatch(/^sudo -S sh -c 'lpf=\/var\/run\/qemu_1\.pid; left=\n/);
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
    clearRecords(node);
    await vm.close();
    const lines = commandLines(node);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('kill -KILL');
    expect(lines[0]).toMatch(/^sudo -S sh -c 'for f in \/etc\/vm_init_1\.conf; do .*\nrm -f -- \/etc\/vm_init_1\.conf'$/s);
  });

  it('Qemu Set Affinity pins vCPU n to the n-th CPU (threads from /proc when QMP is unreachable)', async () => {
    const { vm, node } = startableKernelvm([
      {
        match: `grep -H . /proc/${PID}/task/*/comm`,
        stdout: `/proc/${PID}/task/${PID}/comm:qemu-system-x86\n/proc/${PID}/task/4250/comm:CPU 1/TCG\n/proc/${PID}/task/4249/comm:CPU 0/TCG\n/proc/${PID}/task/4251/comm:worker\n`,
      },
    ]);
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
    await vm.qemuStart();
    clearRecords(node);
    await vm.qemuSetAffinity(['2', 3]);
    const lines = commandLines(node);
    expect(lines.filter((line) => line.includes('taskset'))).toEqual(['sudo -S taskset -pc 2 4249', 'sudo -S taskset -pc 3 4250']);
    clearRecords(node);
    await vm.qemuSetSchedulerPolicy();
    expect(commandLines(node).filter((line) => line.includes('chrt'))).toEqual(['sudo -S chrt -r -p 1 4249', 'sudo -S chrt -r -p 1 4250']);
  });

  it('Qemu Set Affinity with a wrong CPU count fails after three tries and kills only its own VM', async () => {
    const { vm, node } = startableKernelvm([{ match: `grep -H . /proc/${PID}/task/*/comm`, stdout: `/proc/${PID}/task/4249/comm:CPU 0/TCG\n` }]);
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
    await vm.qemuStart();
    clearRecords(node);
    await expect(vm.qemuSetAffinity(['2', '3'])).rejects.toThrow(/Failed to set Qemu threads affinity! VM 1 has 1 vCPU threads, 2 host CPUs were given/);
    expect(commandLines(node).pop()).toContain(`pid=${PID}\n`);
    expect(commandLines(node)).not.toContain('sudo -S pkill -SIGKILL qemu');
  }, 10000);

  it('refuses pinning or QMP before the VM runs', async () => {
    const vm = new QemuUtils(dryRunNode(), { img: '/opt/boot/vmlinuz' });
    await expect(vm.getQemuPids()).rejects.toThrow(/^Get Qemu Pids: VM 1 on .* is not running \(runstate new, needs running\): this session has not started it; run Qemu Start first$/);
    await expect(vm.qemuQmpExec('query-status')).rejects.toThrow(QemuStateError);
    await expect(vm.qemuSetAffinity(['x'])).rejects.toThrow(QemuConfigError);
  });
});

describe('Qemu Version and Build Qemu', () => {
  it('returns the version text, or whether it is at least the one given', async () => {
    const vm = new QemuUtils(dryRunNode([QEMU_72]));
    expect(await vm.qemuVersion()).toBe('7.2.22');
    expect(await vm.qemuVersion('7.2.22')).toBe(true);
    expect(await vm.qemuVersion('8.0')).toBe(false);
    await expect(new QemuUtils(dryRunNode([{ match: '--version', rc: 127, stderr: 'not found' }])).qemuVersion()).rejects.toThrow(/Command execution failed/);
    await expect(new QemuUtils(dryRunNode()).qemuVersion()).rejects.toThrow(/^QEMU: cannot read the version: .* has no "QEMU emulator version <number>": \(no output\)$/);
  });

  it('ships the build script and runs it with the original options, --target-list honoured', async () => {
    const node = dryRunNode();
    const vm = new QemuUtils(node);
    await vm.buildQemu({ host: 'builder', transport: 'dry-run', arch: 'aarch64' }, { forceInstall: true });
    await vm.buildQemu(node.raw, { applyPatch: true });
    const buildNodeLines = commandLines(node);
    expect(buildNodeLines).toEqual([
      'sudo -S mkdir -p /tmp/qemu-utils-remote',
      'sudo -E sh /tmp/qemu-utils-remote/qemu_build.sh --version=qemu-2.11.2 --directory=/opt/qemu-2.11.2-patch --patch --target-list=x86_64-softmmu 2>&1',
    ]);
    const [script] = writes(node);
    expect(script).toMatchObject({ path: '/tmp/qemu-utils-remote/qemu_build.sh', mode: '755', sudo: true });
    expect(script.content.startsWith('#!/bin/sh')).toBe(true);
  });

  it('uses the configured release and prefix', async () => {
    const node = dryRunNode();
    const vm = new QemuUtils(node, {}, { ...DEFAULT_SETTINGS, qemuInstallVersion: 'qemu-7.2.0', qemuInstallDir: '/opt/q' });
    await vm.buildQemu(node, { forceInstall: true });
    expect(commandLines(node)[1]).toBe('sudo -E sh /tmp/qemu-utils-remote/qemu_build.sh --version=qemu-7.2.0 --directory=/opt/q-base --force --target-list=x86_64-softmmu 2>&1');
  });
});
