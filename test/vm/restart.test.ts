/**
 * Server restart: a VM a previous server run left (the server SIGKILLed, its QEMU daemonized and alive) is
 * found from its pid file by a new session with the same qemu_id, which refuses to start a second VM on the
 * same pid file and sockets, and removes it with `Qemu Kill`. Real parts: the CLI server as a child process,
 * Python's xmlrpc.client, the bed's sshd as node, real QEMU. Needs the test bed (`bash
 * scripts/testbed/setup.sh`); QUR_SKIP_VM_TESTS=1 skips the real part (CI never sets it).
 */
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { closeAllTransports } from '../../src/node';
import { QemuStateError } from '../../src/qemu/errors';
import { QemuUtils } from '../../src/qemu/qemu-utils';
import { mergeSettings } from '../../src/qemu/settings';
import { clearRecords, commandLines, dryRunNode } from '../support/dry-run-node';
import { buildCli, killLeftovers, removeBuild, startCli, type StartedCli } from '../support/cli';
import { describeWithTestbed } from '../support/testbed';
import { py } from '../support/xmlrpc';
import { kernelvmSettings, leftovers, vmNodeDict, vmProcesses, waitForPidFile } from '../support/vm';

const REFUSAL = /a VM left by a previous server run holds \/var\/run\/qemu_(\d+)\.pid \(pid (\d+)\); run Qemu Kill or Qemu Close in this session to remove it, or use another qemu_id/;

describe('a VM left by a previous server run, on a dry-run node', () => {
  // The marker names a server process of this host that has ended (no pid is that high), written just before the pid file.
  const answer =
    '@@qemu-utils-remote leftover 777\n@@qemu-utils-remote found /var/run/qemu_9.pid\n@@qemu-utils-remote found /tmp/serial_9.log\n' +
    `@@qemu-utils-remote owner qemu-utils-remote host=${hostname()} pid=999999999 session=/old\n@@qemu-utils-remote times 1000 999\n`;

  it('Qemu Start asks whether a live QEMU names the pid file, warns with the pid and files, and refuses; Qemu Kill adopts it', async () => {
    const node = dryRunNode([{ match: 'lpf=/var/run/qemu_9.pid', stdout: answer }]);
    const vm = new QemuUtils(node, { qemuId: 9, img: '/var/lib/vm/x.img' }, mergeSettings({ accel: 'tcg', qemuVersion: '7.2.0' }));
    vm.qemuAddVhostUserIf('/run/vpp/sock-9-1');
    const warnings: string[] = [];
    const log = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (message: string) => warnings.push(message) };

    await expect(vm.qemuStart({ log })).rejects.toThrow(QemuStateError);
    await expect(vm.qemuStart({ log })).rejects.toThrow(REFUSAL);
    const [probe] = commandLines(node);
    expect(probe).toContain('grep -qaF -- "$lpf" /proc/$lpid/cmdline');
    expect(commandLines(node).some((line) => line.includes('qemu-system'))).toBe(false);
    expect(warnings[0]).toBe(
      `A VM left by a previous server run holds /var/run/qemu_9.pid on ${node.host} (pid 777); files found: /var/run/qemu_9.pid /tmp/serial_9.log; ` +
        `started by server pid 999999999 on ${hostname()} for session /old; that server has ended`,
    );

    clearRecords(node);
    await vm.qemuKill({ log });
    const [kill, ...rest] = commandLines(node);
    expect(rest).toEqual([]);
    expect(kill).toContain('kill -KILL "$pid"');
    const adopted = '/var/run/qemu_9.pid /var/run/qmp_9.sock /var/run/qga_9.sock /tmp/serial_9.log /etc/vm_init_9.conf /etc/vpp/vm_startup_9.conf /etc/vpp/vm_running_9.exec /var/run/qemu_9.owner';
    expect(kill).toMatch(new RegExp(`\\nif \\[ -n "\\$left" \\]; then rm -f -- ${adopted.replace(/[./]/g, '\\$&')}; fi'$`));
    // The vhost-user socket belongs to the suite's naming, never adopted.
    expect(kill).not.toContain('sock-9-1');
    expect(warnings.at(-1)).toMatch(/^Removed a VM left by a previous server run on .*: pid 777, .*\(started by server pid 999999999 /);

    // Gone: Close does not ask again.
    clearRecords(node);
    await vm.close();
    expect(commandLines(node)).toEqual([]);
  });
});

describeWithTestbed('a VM left by a SIGKILLed server, through the remote server', (testbed) => {
  const id = 76;
  let cli: string;
  const servers: StartedCli[] = [];

  beforeAll(() => {
    cli = buildCli();
  });

  afterAll(async () => {
    killLeftovers();
    // After a failed assertion only: what the test's own Qemu Kill did not remove.
    for (const pid of vmProcesses(id)) process.kill(pid, 'SIGKILL');
    for (const path of leftovers(id)) if (path.startsWith('/')) rmSync(path, { force: true });
    await closeAllTransports();
    removeBuild(cli);
  });

  async function startServer(): Promise<StartedCli> {
    const bed = testbed();
    const server = await startCli(cli, ['--port', '0', '--qemu-option', `accel=${bed.accel}`, '--qemu-option', `cpu_model=${bed.cpu}`, '--log-level', 'warn']);
    servers.push(server);
    return server;
  }

  async function run(url: string, name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<{ status: string; error?: string; output?: string }> {
    const literal = `__import__('json').loads(${JSON.stringify(JSON.stringify(kwargs))})`;
    return (await py(url, `result = run(${JSON.stringify(name)}, ${JSON.stringify(args)}, ${literal}, path='/restart')`, 120_000)) as { status: string; error?: string; output?: string };
  }

  it('Qemu Start refuses with a WARN naming the pid and files; Qemu Kill removes the VM and every file of its id', async () => {
    const bed = testbed();
    const node = vmNodeDict();
    expect(leftovers(id)).toEqual([]);
    const init = [[node], { qemu_id: id, smp: 1, mem: 1024, vnf: 'testpmd_io', img: bed.kernel, ...kernelvmSettings(bed) }] as const;

    const first = await startServer();
    expect((await run(first.url, 'qemu_init', [...init[0]], init[1])).status).toBe('PASS');
    // No boot needed: once QEMU has daemonized, the server dies without cleaning up.
    void run(first.url, 'qemu_start').catch(() => undefined);
    const pid = await waitForPidFile(id, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    // sudo and QEMU's own parent go once QEMU has daemonized.
    for (let tries = 0; tries < 300 && vmProcesses(id).length > 1; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(vmProcesses(id)).toEqual([pid]);

    const second = await startServer();
    expect((await run(second.url, 'qemu_init', [...init[0]], init[1])).status).toBe('PASS');
    const start = await run(second.url, 'qemu_start');
    expect(start.status).toBe('FAIL');
    expect(start.error).toMatch(REFUSAL);
    expect(start.error).toContain(`qemu_${id}.pid (pid ${pid})`);
    expect(start.output).toMatch(new RegExp(`\\*WARN(:\\d+)?\\* A VM left by a previous server run holds /var/run/qemu_${id}\\.pid on .* \\(pid ${pid}\\); files found: .*/tmp/serial_${id}\\.log.*; started by server pid ${first.child.pid} `));
    expect(vmProcesses(id)).toEqual([pid]);

    const kill = await run(second.url, 'qemu_kill');
    expect(kill.status).toBe('PASS');
    expect(vmProcesses(id)).toEqual([]);
    expect(leftovers(id)).toEqual([]);
    expect((await run(second.url, 'qemu_close')).status).toBe('PASS');
    second.child.kill('SIGTERM');
    await second.exited;
  }, 240_000);
});
