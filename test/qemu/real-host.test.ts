/**
 * QemuUtils pieces against this machine itself (transport `local`): the KVM probe, and vCPU threads of a
 * real, paused QEMU that Qemu Start launched, through its real QMP socket.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllTransports, parseNode } from '../../src/node';
import { probeKvm, resolveAccelerator } from '../../src/qemu/accelerator';
import { NO_CALL_CONTEXT } from '../../src/qemu/call';
import { QemuUtils } from '../../src/qemu/qemu-utils';
import { mergeSettings } from '../../src/qemu/settings';
import { pausedQemuBinPath, QEMU_BINARY, requireQemu } from '../support/paused-qemu';

const local = parseNode({ host: 'localhost', transport: 'local' });

afterAll(() => closeAllTransports());

describe('accel=auto on this host', () => {
  it('chooses KVM exactly when /dev/kvm exists and the CPU has vmx/svm and a paused QEMU runs under KVM', async () => {
    requireQemu();
    const hasDevice = spawnSync('test', ['-c', '/dev/kvm']).status === 0;
    const hasVirtualization = /\b(vmx|svm)\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
    const result = await probeKvm(local, QEMU_BINARY, 'x86_64', 'host', NO_CALL_CONTEXT);
    if (!hasDevice) expect(result).toEqual({ usable: false, reason: '/dev/kvm does not exist' });
    else if (!hasVirtualization) expect(result.reason).toMatch(/no vmx\/svm flag/);
    expect(await resolveAccelerator(local, QEMU_BINARY, 'x86_64', { accel: 'auto' }, NO_CALL_CONTEXT)).toBe(result.usable ? 'kvm' : 'tcg');
    if (!hasDevice || !hasVirtualization) expect(result.usable).toBe(false);
  });
});

describe('Get Qemu Pids through QMP of a real QEMU', () => {
  let dir: string;
  let vm: QemuUtils | undefined;
  afterEach(async () => {
    await vm?.close();
    vm = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the vCPU thread ids in vCPU order, matching the CPU n/TCG thread names', async () => {
    requireQemu();
    dir = mkdtempSync(join(tmpdir(), 'qur-pids-'));
    chmodSync(dir, 0o755);
    // mem 2: one huge page, so this start never competes with real VMs for them.
    vm = new QemuUtils(local, { qemuId: 7, smp: 3, mem: 2, img: '/opt/boot/vmlinuz', binPath: pausedQemuBinPath(dir, '-name vnf7,debug-threads=on -smp 3 -m 64') }, mergeSettings({ accel: 'tcg' }));
    await vm.qemuStart();
    const pid = Number(readFileSync('/var/run/qemu_7.pid', 'utf8').trim());
    const byName = new Map<string, string>();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      byName.set(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), tid);
    }
    expect(await vm.getQemuPids()).toEqual([byName.get('CPU 0/TCG'), byName.get('CPU 1/TCG'), byName.get('CPU 2/TCG')]);
    expect(await vm.qemuQmpExec('query-status')).toEqual({ return: { status: 'prelaunch', singlestep: false, running: false } });
    await expect(vm.qemuQmpExec('no-such-command')).rejects.toThrow(/CommandNotFound/);
  });
});
