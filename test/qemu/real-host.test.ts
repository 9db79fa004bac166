/**
 * QemuUtils pieces against this machine itself (transport `local`): the KVM probe, and vCPU threads of a
 * real, paused QEMU through its real QMP socket.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllTransports, parseNode } from '../../src/node';
import { probeKvm, resolveAccelerator } from '../../src/qemu/accelerator';
import { NO_CALL_CONTEXT } from '../../src/qemu/call';
import { QemuUtils } from '../../src/qemu/qemu-utils';
import { mergeSettings } from '../../src/qemu/settings';

const QEMU = '/usr/bin/qemu-system-x86_64';

function requireQemu(): void {
  if (!existsSync(QEMU)) throw new Error(`${QEMU} is missing; install it with: apt-get install -y qemu-system-x86`);
}

const local = parseNode({ host: 'localhost', transport: 'local' });

afterAll(() => closeAllTransports());

describe('accel=auto on this host', () => {
  it('chooses KVM exactly when /dev/kvm exists and the CPU has vmx/svm and a paused QEMU runs under KVM', async () => {
    requireQemu();
    const hasDevice = spawnSync('test', ['-c', '/dev/kvm']).status === 0;
    const hasVirtualization = /\b(vmx|svm)\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
    const result = await probeKvm(local, QEMU, 'x86_64', 'host', NO_CALL_CONTEXT);
    if (!hasDevice) expect(result).toEqual({ usable: false, reason: '/dev/kvm does not exist' });
    else if (!hasVirtualization) expect(result.reason).toMatch(/no vmx\/svm flag/);
    expect(await resolveAccelerator(local, QEMU, 'x86_64', { accel: 'auto' }, NO_CALL_CONTEXT)).toBe(result.usable ? 'kvm' : 'tcg');
    if (!hasDevice || !hasVirtualization) expect(result.usable).toBe(false);
  });
});

describe('Get Qemu Pids through QMP of a real QEMU', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const gone = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the vCPU thread ids in vCPU order, matching the CPU n/TCG thread names', async () => {
    requireQemu();
    dir = mkdtempSync(join(tmpdir(), 'qur-pids-'));
    const vm = new QemuUtils(local, { qemuId: 7, smp: 3, img: '/opt/boot/vmlinuz' }, mergeSettings());
    // The instance's QMP socket path is fixed (/var/run/qmp_7.sock, as the original); run a paused QEMU there.
    const qmp = vm.tempFiles().qmp;
    const pidfile = join(dir, 'qemu.pid');
    rmSync(qmp, { force: true });
    child = spawn(QEMU, ['-name', 'vnf7,debug-threads=on', '-machine', 'pc,accel=tcg', '-smp', '3', '-m', '64', '-nodefaults', '-display', 'none', '-S', '-pidfile', pidfile, '-qmp', `unix:${qmp},server=on,wait=off`], { stdio: 'ignore' });
    const deadline = Date.now() + 10000;
    while (!existsSync(qmp) || !existsSync(pidfile)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the paused QEMU did not come up');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Attach the instance to the running QEMU as Qemu Start would have left it.
    (vm as unknown as { lifecycle: { runstate: { value: unknown } } }).lifecycle.runstate.value = { runstate: 'running', pid: child.pid };
    const pids = await vm.getQemuPids();
    const byName = new Map<string, string>();
    for (const tid of readdirSync(`/proc/${child.pid}/task`)) {
      byName.set(readFileSync(`/proc/${child.pid}/task/${tid}/comm`, 'utf8').trim(), tid);
    }
    expect(pids).toEqual([byName.get('CPU 0/TCG'), byName.get('CPU 1/TCG'), byName.get('CPU 2/TCG')]);
    expect(await vm.qemuQmpExec('query-status')).toEqual({ return: { status: 'prelaunch', singlestep: false, running: false } });
    await expect(vm.qemuQmpExec('no-such-command')).rejects.toThrow(/CommandNotFound/);
    rmSync(qmp, { force: true });
  });
});
