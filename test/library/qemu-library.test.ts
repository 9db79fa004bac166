import { closeAllTransports, dryRunTransport, parseNode } from '../../src/node';
import { QemuUtils } from '../../src/qemu';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { compileLibrary } from '../../src/remote/spec';
import { KeywordError, type KeywordContext, type KeywordLogger, type LogLevel } from '../../src/remote/library';

afterAll(() => closeAllTransports());

const ORIGINAL_METHODS = [
  'add_params',
  'add_default_params',
  'add_nestedvm_params',
  'add_kernelvm_params',
  'create_kernelvm_config_vpp',
  'create_kernelvm_config_testpmd_io',
  'create_kernelvm_config_testpmd_mac',
  'create_kernelvm_init',
  'configure_kernelvm_vnf',
  'get_qemu_pids',
  'qemu_set_affinity',
  'qemu_set_scheduler_policy',
  'qemu_add_vhost_user_if',
  'qemu_start',
  'qemu_kill',
  'qemu_kill_all',
  'qemu_version',
  'build_qemu',
];

/** CSIT HEAD's QemuUtils methods that 2019 did not have (2019's names stay as they were). */
const HEAD_METHODS = ['add_vhost_user_if', 'add_vfio_pci_if', 'add_net_user'];

class RecordingLogger implements KeywordLogger {
  readonly lines: { level: LogLevel; message: string }[] = [];
  log(level: LogLevel, message: string): void {
    this.lines.push({ level, message });
  }
  trace(message: string): void { this.log('TRACE', message); }
  debug(message: string): void { this.log('DEBUG', message); }
  info(message: string): void { this.log('INFO', message); }
  html(message: string): void { this.log('HTML', message); }
  warn(message: string): void { this.log('WARN', message); }
  error(message: string): void { this.log('ERROR', message); }
  console(message: string): void { this.log('CONSOLE', message); }
}

function contextFor(instance: QemuUtils | undefined, log = new RecordingLogger()): KeywordContext<QemuUtils> {
  return { instance, session: 'vm1', log, signal: new AbortController().signal };
}

let hostCounter = 0;
function dryRunDict(extra: Record<string, unknown> = {}): Record<string, unknown> {
  hostCounter += 1;
  return { host: `lib-dut-${hostCounter}`, port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', ...extra };
}

describe('createQemuLibrary', () => {
  const library = createQemuLibrary();
  const byName = new Map(library.keywords.map((keyword) => [keyword.name, keyword]));

  it('publishes every public method of the original, plus init, close, command line and QMP', () => {
    // The VM manager's keywords (tag `manager`, and diagnostics) are tested in manager-keywords.test.ts.
    const vmKeywords = library.keywords.filter((keyword) => !keyword.tags?.includes('manager') && keyword.name !== 'qemu_log_diagnostics').map((keyword) => keyword.name);
    expect(vmKeywords.sort()).toEqual([...ORIGINAL_METHODS, ...HEAD_METHODS, 'qemu_init', 'qemu_close', 'qemu_get_command_line', 'qemu_qmp_exec', 'get_library_version', 'wait_for_qemu_event', 'qemu_set_link', 'qemu_guest_exec', 'dpdk_testpmd_start', 'dpdk_testpmd_stop', 'qemu_get_console_log', 'qemu_get_vm_artifact'].sort());
  });

  it("publishes CSIT HEAD's own names with HEAD's argument names and defaults, and page_size and contract on Qemu Init", () => {
    const compiled = compileLibrary(library);
    const published = (name: string) => compiled.keywords.get(name)?.published;
    expect(published('add_vhost_user_if')?.args).toEqual(['socket', ['server', true], ['jumbo', false], 'queue_size=None', ['queues', 1], 'virtio_feature_mask=None']);
    expect(published('add_vhost_user_if')?.types).toMatchObject({ socket: 'str', server: 'bool', jumbo: 'bool', queue_size: 'int | None', queues: 'int', virtio_feature_mask: 'int | None' });
    expect(published('add_vfio_pci_if')?.args).toEqual(['pci']);
    expect(published('add_net_user')?.args).toEqual(['net=10.0.2.0/24']);
    expect(published('qemu_init')?.args.slice(7, 10)).toEqual(['*', 'vm_type=None', 'page_size=']);
    expect(published('qemu_init')?.args).toContain('contract=None');
    expect(compiled.keywords.get('add_vhost_user_if')?.printableName).toBe('Add Vhost User If');
    expect(library.intro).toContain('| contract |');
  });

  it('compiles with the generic server rules (arg specs, types, docs)', () => {
    const compiled = compileLibrary(library);
    const init = compiled.keywords.get('qemu_init');
    expect(init?.printableName).toBe('Qemu Init');
    expect(init?.published.args.slice(0, 8)).toEqual([
      'node',
      ['qemu_id', 1],
      ['smp', 1],
      ['mem', 512],
      'vnf=None',
      'img=/var/lib/vm/vhost-nested.img',
      'bin_path=/usr/bin',
      '*',
    ]);
    expect(init?.published.args).toContain('accel=None');
    expect(init?.published.types).toMatchObject({ node: 'dict', qemu_id: 'int', smp: 'int', mem: 'int', accel: 'str | None', boot_timeout: 'int | None' });
    expect(compiled.keywords.get('qemu_add_vhost_user_if')?.published.args).toEqual(['socket', ['server', true], ['jumbo_frames', false], 'queue_size=None', ['queues', 1], 'reconnect=None']);
    expect(compiled.keywords.get('qemu_add_vhost_user_if')?.published.types).toMatchObject({ server: 'bool', jumbo_frames: 'bool', queue_size: 'int | None', queues: 'int' });
    expect(compiled.keywords.get('qemu_add_vhost_user_if')?.published.types).toMatchObject({ reconnect: 'int | None' });
    expect(compiled.keywords.get('wait_for_qemu_event')?.published.args).toEqual(['event', 'data=None', ['timeout', 30]]);
    expect(compiled.keywords.get('wait_for_qemu_event')?.published.types).toMatchObject({ event: 'str', data: 'dict | None', timeout: 'float' });
    expect(compiled.keywords.get('qemu_set_link')?.published.args).toEqual(['interface', 'up']);
    expect(compiled.keywords.get('qemu_set_link')?.published.types).toMatchObject({ interface: 'str', up: 'bool' });
    expect(compiled.keywords.get('build_qemu')?.published.types).toMatchObject({ force_install: 'bool', apply_patch: 'bool' });
    expect(compiled.keywords.get('configure_kernelvm_vnf')?.published.args).toEqual(['**kwargs']);
    expect(compiled.keywords.get('qemu_set_affinity')?.published.args).toEqual(['*host_cpus']);
    expect(compiled.keywords.get('qemu_start')?.published.types).toMatchObject({ return: 'dict' });
  });

  it('declares how each keyword uses the session instance', () => {
    expect(byName.get('qemu_init')?.instance).toBe('creates');
    expect(byName.get('qemu_close')?.instance).toBe('ends');
    // Get Library Version answers in any session, before or without an instance.
    expect(byName.get('get_library_version')?.instance).toBe('none');
    for (const keyword of library.keywords) {
      if (!['qemu_init', 'qemu_close', 'qemu_manager_init', 'qemu_manager_close', 'get_library_version', 'dpdk_testpmd_start', 'dpdk_testpmd_stop'].includes(keyword.name)) expect([keyword.name, keyword.instance]).toEqual([keyword.name, 'uses']);
    }
  });

  it('documents every keyword with an example and tags it by area', () => {
    for (const keyword of library.keywords) {
      expect([keyword.name, /\nExample:\n\|/.test(keyword.doc)]).toEqual([keyword.name, true]);
      expect(keyword.tags?.length).toBeGreaterThan(0);
    }
    expect(byName.get('qemu_kill_all')?.doc).toMatch(/\*Kills every QEMU on the host\*/);
    expect(library.intro).toMatch(/= Sessions =[\s\S]*Qemu Init[\s\S]*Qemu Close/);
    expect(library.intro).toContain('| kernel_args |');
  });

  it('refuses unknown or bad server-wide options at start-up', () => {
    expect(() => createQemuLibrary({ accelerator: 'kvm' })).toThrow(/--qemu-option: unknown QEMU setting 'accelerator'/);
    expect(() => createQemuLibrary({ accel: 'xen' })).toThrow(/'accel' must be one of kvm, tcg, auto/);
  });
});

describe('keywords called directly', () => {
  it('Qemu Init -> vhost x2 -> Configure Kernelvm Vnf -> Qemu Get Command Line, with server-wide and Init settings', async () => {
    const library = createQemuLibrary({ accel: 'tcg', kernel_args: 'pci=nomsi', qemu_version: '7.2.0' });
    const keyword = (name: string) => {
      const found = library.keywords.find((candidate) => candidate.name === name);
      if (!found) throw new Error(`no keyword ${name}`);
      return found;
    };
    const node = dryRunDict();
    const created = (await keyword('qemu_init').run(contextFor(undefined), {
      node,
      qemu_id: 2,
      smp: 2,
      mem: 1024,
      vnf: 'testpmd_io',
      img: '/opt/boot/vmlinuz',
      bin_path: '/usr/bin',
      guest_hugepages: 128,
      testpmd_bin: '/usr/bin/dpdk-testpmd',
      testpmd_main_lcore_flag: '--main-lcore',
    })) as { instance: QemuUtils };
    const vm = created.instance;
    const context = contextFor(vm);
    await keyword('qemu_add_vhost_user_if').run(context, { socket: '/run/vhost-2-1.sock', server: false, jumbo_frames: false, queue_size: 1024, queues: 1 });
    await keyword('qemu_add_vhost_user_if').run(context, { socket: '/run/vhost-2-2.sock', server: false, jumbo_frames: false, queue_size: null, queues: 1 });
    await keyword('configure_kernelvm_vnf').run(context, { kwargs: { queues: '1', jumbo_frames: 'False' } });
    const line = (await keyword('qemu_get_command_line').run(context, {})) as string;
    expect(line).toContain('-machine pc,accel=tcg,usb=off,mem-merge=off');
    expect(line).toContain('hugepages=128 init=/etc/vm_init_2.conf pci=nomsi');
    expect(line).toContain('-chardev socket,id=char2,path=/run/vhost-2-2.sock -netdev vhost-user,id=vhost2');
    expect(line).toMatch(/addr=7\.0,mq=on,vectors=4,csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,mrg_rxbuf=off$/);
    const transport = dryRunTransport(parseNode(node));
    const init = transport.records.find((record) => record.kind === 'writeFile');
    expect(init?.kind === 'writeFile' && init.content).toContain('\n/usr/bin/dpdk-testpmd -v -l 0-1 --main-lcore 0 --in-memory -- --forward-mode=io');
    expect(transport.commandLines()).toEqual(['sudo -S rm -f /etc/vm_init_2.conf']);
  });

  it('contract=head per Qemu Init (or server-wide): HEAD\'s composition through the keywords, Robot\'s text converted', async () => {
    const library = createQemuLibrary({ qemu_version: '8.2.2' });
    const keyword = (name: string) => {
      const found = library.keywords.find((candidate) => candidate.name === name);
      if (!found) throw new Error(`no keyword ${name}`);
      return found;
    };
    const node = dryRunDict({
      dry_run_responses: [{ match: 'printf \'kernel', stdout: 'kernel /opt/boot/vmlinuz-6.8.0-90-generic\ninitrd /opt/boot/initrd.img-6.8.0-90-generic\n' }],
    });
    const created = (await keyword('qemu_init').run(contextFor(undefined), { node, qemu_id: 1, smp: 3, mem: 4096, vnf: 'vppip4_2vhostvr1024', img: '/opt/boot/vmlinuz', page_size: '1G', contract: 'head' })) as { instance: QemuUtils };
    const context = contextFor(created.instance);
    expect(await keyword('qemu_get_command_line').run(context, {})).toBe('/usr/bin/qemu-system-x86_64');
    await keyword('add_default_params').run(context, {});
    await keyword('add_kernelvm_params').run(context, {});
    await keyword('add_net_user').run(context, { net: '' });
    await keyword('add_vhost_user_if').run(context, { socket: '/run/vpp/sock-1-1', server: true, jumbo: false, queue_size: 1024, queues: 1, virtio_feature_mask: 65 });
    await keyword('add_vfio_pci_if').run(context, { pci: '0000:86:00.1' });
    const line = (await keyword('qemu_get_command_line').run(context, {})) as string;
    expect(line).toMatch(/^\/usr\/bin\/qemu-system-x86_64 -daemonize -nodefaults -name vnf1,debug-threads=on -no-user-config -nographic -enable-kvm -pidfile \/run\/qemu_1\.pid /);
    expect(line).toContain('mem-path=/dev/hugepages1G,share=on');
    expect(line).toContain("hugepages=3 hugepagesz=1G init=/etc/vm_init_1.conf fastboot' -netdev user,id=mgmt,net=10.0.2.0/24,hostfwd=tcp::10022-:22 -device virtio-net,netdev=mgmt -chardev");
    expect(line).toContain('addr=6.0,mq=on,vectors=4,csum=on,gso=on,guest_tso4=on,guest_tso6=on,guest_ecn=on,rx_queue_size=1024,tx_queue_size=1024 -device vfio-pci,host=0000:86:00.1,addr=7.0');
    await expect(keyword('add_vfio_pci_if').run(context, { pci: '' })).rejects.toThrow(/^QEMU: pci must be a PCI address like 0000:86:00\.0 .*got None$/);
    const serverWide = createQemuLibrary({ contract: 'head' }).keywords.find((candidate) => candidate.name === 'qemu_init');
    const headVm = (await serverWide?.run(contextFor(undefined), { node: dryRunDict() })) as { instance: QemuUtils };
    expect([headVm.instance.contract, headVm.instance.vmType, headVm.instance.tempFiles().pidfile]).toEqual(['head', 'nestedvm', '/run/qemu_1.pid']);
    expect(() => createQemuLibrary({ contract: '2026' })).toThrow(/'contract' must be one of 2019, head, got "2026"/);
  });

  it("convert the known kwargs with Robot's rules: jumbo_frames='False' is false, queues='2' is 2", async () => {
    const library = createQemuLibrary();
    const testpmdIo = library.keywords.find((keyword) => keyword.name === 'configure_kernelvm_vnf');
    const initScript = async (kwargs: Record<string, unknown>): Promise<string> => {
      const node = dryRunDict();
      const vm = new QemuUtils(parseNode(node), { smp: 2, vnf: 'testpmd_io', img: '/opt/boot/vmlinuz' });
      await testpmdIo?.run(contextFor(vm), { kwargs });
      const written = dryRunTransport(parseNode(node)).records.find((record) => record.kind === 'writeFile');
      return written?.kind === 'writeFile' ? written.content : '';
    };
    expect(await initScript({ queues: '2', jumbo_frames: 'False' })).not.toContain('--max-pkt-len');
    expect(await initScript({ queues: '2', jumbo_frames: 'True' })).toContain('--txq=2 --rxq=2 --total-num-mbufs=16384 --max-pkt-len=9200');
    await expect(initScript({ queues: 1, jumbo_frames: 'maybe' })).rejects.toThrow(
      /^Configure Kernelvm Vnf: jumbo_frames must be a boolean \(True\/False, yes\/no, on\/off, 1\/0\), got "maybe"$/,
    );
  });

  it("take Robot's None (sent as empty text) as the original's default", async () => {
    const library = createQemuLibrary();
    const init = library.keywords.find((keyword) => keyword.name === 'qemu_init');
    const created = (await init?.run(contextFor(undefined), { node: dryRunDict(), qemu_id: 4, vnf: '', img: '', bin_path: '', vm_type: '', accel: '' })) as { instance: QemuUtils };
    expect([created.instance.qemuId, created.instance.vmType, created.instance.settings.accel]).toEqual([4, 'nestedvm', 'kvm']);
    expect(await created.instance.qemuGetCommandLine()).toMatch(/^\/usr\/bin\/qemu-system-x86_64 .*-drive file=\/var\/lib\/vm\/vhost-nested\.img,/);
    const vhost = library.keywords.find((keyword) => keyword.name === 'qemu_add_vhost_user_if');
    await expect(vhost?.run(contextFor(created.instance), { socket: '' })).rejects.toThrow(/^QEMU: vhost-user socket must be a non-empty path, got null$/);
  });

  it('report domain failures bare, as the original RuntimeErrors were', async () => {
    const library = createQemuLibrary();
    const init = library.keywords.find((keyword) => keyword.name === 'qemu_init');
    const failure = init?.run(contextFor(undefined), { node: dryRunDict(), img: '/srv/other' });
    await expect(failure).rejects.toBeInstanceOf(KeywordError);
    await expect(failure).rejects.toThrow(/^QEMU: Unknown VM image option!/);
    const vhost = library.keywords.find((keyword) => keyword.name === 'qemu_add_vhost_user_if');
    const vm = new QemuUtils(parseNode(dryRunDict()));
    for (let index = 0; index < 26; index++) await vhost?.run(contextFor(vm), { socket: `/run/s${index}` });
    await expect(vhost?.run(contextFor(vm), { socket: '/run/s27' })).rejects.toThrow(/past the bus's last slot 0x1f/);
  });

  it('Qemu Close kills only a VM holding its own pid file, removes its files, and is harmless without an instance', async () => {
    const library = createQemuLibrary();
    const close = library.keywords.find((keyword) => keyword.name === 'qemu_close');
    await expect(close?.run(contextFor(undefined), {})).resolves.toBeUndefined();
    const dict = dryRunDict();
    const vm = new QemuUtils(parseNode(dict), { img: '/opt/boot/vmlinuz', vnf: 'testpmd_io' });
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
    await close?.run(contextFor(vm), {});
    await library.disposeInstance(vm, new RecordingLogger(), '');
    const lines = dryRunTransport(parseNode(dict)).commandLines();
    // One cleanup command: adopt a VM left by a previous run on this id's pid file (if any), kill only a process
    // whose command line names that pid file, show and remove the one file written.
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        /^sudo -S sh -c 'lpf=\/var\/run\/qemu_1\.pid;.*grep -qaF -- "\$pf" \/proc\/\$pid\/cmdline.*\nfor f in \/etc\/vm_init_1\.conf; do .*\nrm -f -- \/etc\/vm_init_1\.conf\n/s,
      ),
    ]);
  });

  it('Qemu Version returns text or a bool, Qemu Set Affinity takes varargs', async () => {
    const library = createQemuLibrary();
    const dict = dryRunDict({ dry_run_responses: [{ match: '--version', stdout: 'QEMU emulator version 7.2.22 (Debian)\n' }] });
    const vm = new QemuUtils(parseNode(dict));
    const version = library.keywords.find((keyword) => keyword.name === 'qemu_version');
    expect(await version?.run(contextFor(vm), { version: null })).toBe('7.2.22');
    expect(await version?.run(contextFor(vm), { version: '4.2' })).toBe(true);
    const affinity = library.keywords.find((keyword) => keyword.name === 'qemu_set_affinity');
    await expect(affinity?.run(contextFor(vm), { host_cpus: ['2', '3'] })).rejects.toThrow(/^Qemu Set Affinity: VM 1 on .* is not running \(runstate new, needs running\)/);
  });

  it('each pinning keyword names itself when it finds no VM of this session running (not Get Qemu Pids)', async () => {
    const library = createQemuLibrary();
    const vm = new QemuUtils(parseNode(dryRunDict()));
    const calls: [string, Record<string, unknown>, string][] = [
      ['get_qemu_pids', {}, 'Get Qemu Pids'],
      ['qemu_set_affinity', { host_cpus: ['2'] }, 'Qemu Set Affinity'],
      ['qemu_set_scheduler_policy', {}, 'Qemu Set Scheduler Policy'],
    ];
    for (const [name, args, shown] of calls) {
      const failure = library.keywords.find((keyword) => keyword.name === name)?.run(contextFor(vm), args);
      await expect(failure).rejects.toBeInstanceOf(KeywordError);
      await expect(failure).rejects.toThrow(new RegExp(`^${shown}: VM 1 on lib-dut-\\d+ is not running \\(runstate new, needs running\\): this session has not started it; run Qemu Start first$`));
    }
  });

  it("fails a VPP VNF on a non-DUT node with the original's exact text, which a suite matching it whole still matches", async () => {
    const library = createQemuLibrary();
    const vm = new QemuUtils(parseNode(dryRunDict({ type: 'TG' })), { img: '/opt/boot/vmlinuz', vnf: 'vpp_chain_ip4' });
    const log = new RecordingLogger();
    const failure = library.keywords.find((keyword) => keyword.name === 'configure_kernelvm_vnf')?.run(contextFor(vm, log), { jumbo_frames: 'False' });
    await expect(failure).rejects.toBeInstanceOf(KeywordError);
    await expect(failure).rejects.toThrow(/^Startup config can only be applied to DUTnode\.$/);
    expect(log.lines).toContainEqual({ level: 'INFO', message: expect.stringMatching(/^Create Kernelvm Config Vpp: node lib-dut-\d+ has type "TG"/) });
  });
});
