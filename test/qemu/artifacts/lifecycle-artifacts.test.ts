/**
 * The artifact and timeline hooks of Qemu Start / Qemu Kill on a dry-run node: a failed start logs its
 * console, command line and guest files as HTML and saves them; a kill saves the console without logging
 * it; the boot timeline goes into the log; Qemu Close removes what was saved.
 */
import { existsSync } from 'node:fs';
import type { QemuLog } from '../../../src/qemu/call';
import { QemuStateError } from '../../../src/qemu/errors';
import { QemuUtils } from '../../../src/qemu/qemu-utils';
import { mergeSettings } from '../../../src/qemu/settings';
import { dryRunNode, exactly, HUGEPAGES_OK } from '../../support/dry-run-node';

const QEMU_72 = { match: '--version', stdout: 'QEMU emulator version 7.2.22\n' };
const PID = '4242';
const CAPTURE = '@@qemu-utils-remote-capture';

/** Lines by level, and the HTML messages apart. */
class HtmlLog {
  readonly lines: string[] = [];
  readonly html: string[] = [];
  readonly log: QemuLog = {
    trace: () => undefined,
    debug: (message) => this.lines.push(`DEBUG ${message}`),
    info: (message) => this.lines.push(`INFO ${message}`),
    warn: (message) => this.lines.push(`WARN ${message}`),
    html: (message) => this.html.push(message),
  };
}

function kernelvm(serial: string): QemuUtils {
  const node = dryRunNode([
    QEMU_72,
    ...HUGEPAGES_OK,
    exactly('sudo -S cat /var/run/qemu_1.pid', { stdout: `${PID}\n` }),
    { match: 'tail -c +1 -F', stdout: serial },
    // The kill: its capture of the serial log comes back between markers.
    { match: `pid=${PID}\n`, stdout: `@@qemu-utils-remote killed ${PID}\n${CAPTURE} file ${serial.length} /tmp/serial_1.log\n${serial}\n${CAPTURE} end\n` },
    { match: `/proc/${PID}/stat`, stdout: 'qemu-utils-remote: process gone\n' },
  ]);
  return new QemuUtils(node, { qemuId: 1, smp: 1, mem: 512, vnf: 'testpmd_io', img: '/opt/boot/vmlinuz' }, mergeSettings({ accel: 'tcg' }));
}

describe('saved consoles and boot timelines of Qemu Start', () => {
  it('a failed start logs its console, command line and guest files, and its timeline; the artifact stays until Qemu Close', async () => {
    const vm = kernelvm('Linux version 6.1\nKernel panic - not syncing: Requested init /x failed\n');
    const recorder = new HtmlLog();
    const call = { log: recorder.log };
    await expect(vm.qemuGetVmArtifact('Qemu Get Console Log', call)).rejects.toThrow(QemuStateError);
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false }, call);
    await expect(vm.qemuStart(call)).rejects.toThrow(/the guest kernel panicked/);

    const [artifact, timeline, ...more] = recorder.html;
    expect(more).toEqual([]);
    expect(artifact).toContain('<b>VM 1 on ');
    expect(artifact).toContain(': Qemu Start failed</b>');
    expect(artifact).toMatch(/<summary>Guest console \/tmp\/serial_1\.log \(\d+ bytes\)<\/summary><pre[^>]*>Linux version 6\.1\nKernel panic - not syncing/);
    expect(artifact).toMatch(/<summary>QEMU command line<\/summary><pre[^>]*>sudo -S \S*qemu-system-x86_64 /);
    expect(artifact).toContain('<summary>Guest file /etc/vm_init_1.conf</summary>');
    expect(timeline).toMatch(/<summary>Boot of VM 1<\/summary>.*failed at [\d.]+ s<\/span>: QEMU: NF failed to run/);

    const saved = await vm.qemuGetVmArtifact('Qemu Get Console Log', call);
    expect(saved).toMatchObject({ reason: 'Qemu Start failed', console: { path: '/tmp/serial_1.log', text: 'Linux version 6.1\nKernel panic - not syncing: Requested init /x failed\n' } });
    expect(Object.keys(saved.guestFiles)).toEqual(['/etc/vm_init_1.conf']);
    expect(existsSync(saved.directory ?? '/nonexistent')).toBe(true);
    await vm.close(call);
    expect(existsSync(saved.directory ?? '')).toBe(false);
    await expect(vm.qemuGetVmArtifact('Qemu Get Console Log', call)).rejects.toThrow(/has no console yet/);
  });

  it('a booted VM killed: its console saved and named in the log, not put into it', async () => {
    const vm = kernelvm('Linux version 6.1\nPress enter to exit\n');
    const recorder = new HtmlLog();
    const call = { log: recorder.log, keyword: 'Qemu Kill' };
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false }, call);
    await vm.qemuStart(call);
    expect(recorder.html).toHaveLength(1);
    expect(recorder.html[0]).toMatch(/<td>booted \('Press enter to exit' in \/tmp\/serial_1\.log\)<\/td>/);
    await vm.qemuKill(call);
    expect(recorder.html).toHaveLength(1);
    expect(recorder.lines).toContain('INFO The console of VM 1 (38 bytes) and its configuration are saved on the server; Qemu Get Console Log returns the console');
    const saved = await vm.qemuGetVmArtifact('Qemu Get Console Log', call);
    expect(saved.reason).toBe('Qemu Kill');
    expect(saved.console?.text).toContain('Press enter to exit');
    // Qemu Kill removed the guest files; the saved run keeps them as they were written.
    expect(Object.keys(saved.guestFiles)).toEqual(['/etc/vm_init_1.conf']);
    await vm.close(call);
  });
});
