/**
 * A Qemu Start whose call is aborted (its client gone, or the server stopping) kills what it started and
 * removes the files, and says why it stopped, on a dry-run node.
 */
import { ClientGoneError } from '../../src/remote/errors';
import { QemuStartError } from '../../src/qemu/errors';
import { QemuUtils } from '../../src/qemu/qemu-utils';
import { mergeSettings } from '../../src/qemu/settings';
import { commandLines, dryRunNode, exactly, HUGEPAGES_OK } from '../support/dry-run-node';

it('an aborted start fails naming the abort reason, and kills and removes what it started', async () => {
  const node = dryRunNode([...HUGEPAGES_OK, { match: '--version', stdout: 'QEMU emulator version 7.2.0\n' }, exactly('sudo -S cat /var/run/qemu_1.pid', { stdout: '4242\n' })]);
  const vm = new QemuUtils(node, { qemuId: 1, img: '/opt/boot/vmlinuz', vnf: 'testpmd_io' }, mergeSettings({ accel: 'tcg' }));
  await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
  const abort = new AbortController();
  abort.abort(new ClientGoneError("the client of 'Qemu Start' in /vm1 disconnected before it finished (a Robot timeout, or its run was killed)"));
  const log = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined };

  const failure = vm.qemuStart({ log, signal: abort.signal });
  await expect(failure).rejects.toThrow(QemuStartError);
  await expect(failure).rejects.toThrow(/^QEMU: Start failed on .*! the start was aborted \(the client of 'Qemu Start' in \/vm1 disconnected before it finished/);
  const last = commandLines(node).pop();
  expect(last).toContain('kill -KILL "$pid"');
  expect(last).toMatch(/\nrm -f -- \/var\/run\/qemu_1\.pid \/var\/run\/qmp_1\.sock \/tmp\/serial_1\.log \/var\/run\/qemu_1\.owner'$/);
  expect(vm.running).toBe(false);
});
