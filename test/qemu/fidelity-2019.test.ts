/**
 * Where the port parts from the 2019 original on purpose, found by comparing it command by command (issue
 * 12, "Fidelity to 2019"; docs/deviations.md 2.11, 3.13, 3.14, 4.6, 4.7): each on a dry-run node, so what
 * reached the node (or did not) is on record.
 */
import { ConnectionLostError, NodeConnectionError } from '../../src/node';
import type { QemuLog } from '../../src/qemu/call';
import { QemuConfigError, QemuRunstateError, QemuStartError, QemuVersionError } from '../../src/qemu/errors';
import { streamEndReason } from '../../src/qemu/boot';
import { NOT_A_DUT } from '../../src/qemu/guest-config';
import { QemuUtils } from '../../src/qemu/qemu-utils';
import { mergeSettings } from '../../src/qemu/settings';
import { commandLines, dryRunNode, exactly, HUGEPAGES_OK, hugepageStatus, records, writes } from '../support/dry-run-node';

const QEMU_72 = { match: '--version', stdout: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n' };
const PID = '4242';
const NODE = { username: 'testuser', host: '10.0.0.1', port: 22 };

function recordingLog(): QemuLog & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string): void => {
    lines.push(message);
  };
  return { lines, trace: keep, debug: keep, info: keep, warn: keep };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

function kernelvm(responses: Parameters<typeof dryRunNode>[0] = [], extra: Record<string, unknown> = {}, vnf = 'testpmd_io'): { vm: QemuUtils; node: ReturnType<typeof dryRunNode> } {
  const node = dryRunNode(responses, extra);
  const vm = new QemuUtils(node, { qemuId: 1, smp: 2, mem: 1024, vnf, img: '/opt/boot/vmlinuz' }, mergeSettings({ accel: 'tcg' }));
  return { vm, node };
}

describe('pinning only the VM this session started (deviation 3.13)', () => {
  const keywords: [string, (vm: QemuUtils) => Promise<unknown>][] = [
    ['Get Qemu Pids', (vm) => vm.getQemuPids()],
    ['Qemu Set Affinity', (vm) => vm.qemuSetAffinity(['2', '3'])],
    ['Qemu Set Scheduler Policy', (vm) => vm.qemuSetSchedulerPolicy()],
    ['Qemu Qmp Exec', (vm) => vm.qemuQmpExec('query-status')],
  ];

  it.each(keywords)('%s before Qemu Start names itself and both runstates, and sends nothing to the node', async (keyword, run) => {
    const { vm, node } = kernelvm();
    const error = await failure(run(vm));
    expect(error).toBeInstanceOf(QemuRunstateError);
    expect(error.message).toBe(
      `${keyword}: VM 1 on ${node.host} is not running (runstate new, needs running): this session has not started it; run Qemu Start first`,
    );
    expect([(error as QemuRunstateError).current, (error as QemuRunstateError).needed]).toEqual(['new', ['running']]);
    // The original read whatever pid file held the id, and on failure ran pkill -SIGKILL qemu; nothing here.
    expect(records(node)).toEqual([]);
  });

  it('their node steps name the keyword itself when the caller names none (not "QemuUtils", not "Get Qemu Pids")', async () => {
    const { vm } = kernelvm([
      QEMU_72,
      ...HUGEPAGES_OK,
      exactly('sudo -S cat /var/run/qemu_1.pid', { stdout: `${PID}\n` }),
      { match: 'tail -c +1 -F', stdout: 'Press enter to exit\n' },
      { match: `grep -H . /proc/${PID}/task/*/comm`, stdout: `/proc/${PID}/task/4249/comm:CPU 0/TCG\n/proc/${PID}/task/4250/comm:CPU 1/TCG\n` },
    ]);
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
    await vm.qemuStart();
    // A dry-run node has no QMP socket: the connect fails as a node step of the keyword that made it.
    await expect(vm.qemuQmpExec('query-status')).rejects.toThrow(/^Qemu Qmp Exec on node testuser@\S+:22 failed while connecting to QMP on \/var\/run\/qmp_1\.sock: /);
    const log = recordingLog();
    await vm.qemuSetAffinity(['2', '3'], { log });
    expect(log.lines).toContainEqual(expect.stringMatching(/^QMP query-cpus-fast failed \(Qemu Set Affinity on node testuser@\S+:22 failed while connecting to QMP on /));
    const scheduler = recordingLog();
    await vm.qemuSetSchedulerPolicy({ log: scheduler, keyword: 'Set Scheduler All VMs' });
    expect(scheduler.lines).toContainEqual(expect.stringMatching(/^QMP query-cpus-fast failed \(Set Scheduler All VMs on node /));
  });

  it('after a failed start the VM is idle, and the refusal says so', async () => {
    const { vm, node } = kernelvm([hugepageStatus({ free: 10, total: 4096 }), QEMU_72]);
    await expect(vm.qemuStart()).rejects.toThrow(/Not enough free huge pages/);
    const sent = commandLines(node).length;
    await expect(vm.qemuSetSchedulerPolicy()).rejects.toThrow(
      /^Qemu Set Scheduler Policy: VM 1 on \S+ is not running \(runstate idle, needs running\): this session has not started it; run Qemu Start first$/,
    );
    expect(commandLines(node)).toHaveLength(sent);
  });

  it('a VM another process left on the id is never pinned: the refusal names it and what to do', async () => {
    const { vm } = kernelvm([{ match: 'lpf=/var/run/qemu_1.pid; left=', stdout: '@@qemu-utils-remote leftover 777\n@@qemu-utils-remote found /var/run/qemu_1.pid\n' }, QEMU_72]);
    await expect(vm.qemuStart()).rejects.toThrow(/a VM of another process holds \/var\/run\/qemu_1\.pid \(pid 777\)/);
    await expect(vm.qemuSetAffinity(['2'])).rejects.toThrow(
      /^Qemu Set Affinity: VM 1 on \S+ is not running \(runstate leftover, needs running\): a VM of another process holds \/var\/run\/qemu_1\.pid \(pid 777\), and only a VM this session started is touched; run Qemu Kill to remove it, then Qemu Start$/,
    );
  });
});

describe('a serial log stream that ends says why (deviation 3.14)', () => {
  it('Qemu Start fails with the tail command\'s rc and stderr, and says the log was empty', async () => {
    const { vm } = kernelvm([
      QEMU_72,
      ...HUGEPAGES_OK,
      exactly('sudo -S cat /var/run/qemu_1.pid', { stdout: `${PID}\n` }),
      { match: 'tail -c +1 -F', rc: 1, stderr: 'sudo: unable to execute /usr/bin/timeout: No such file or directory\n' },
      { match: `pid=${PID}\n`, stdout: `@@qemu-utils-remote killed ${PID}\n` },
    ]);
    await vm.configureKernelvmVnf({ queues: 1, jumbo_frames: false });
    const error = await failure(vm.qemuStart());
    expect(error).toBeInstanceOf(QemuStartError);
    expect(error.message).toMatch(
      /^QEMU: streaming \/tmp\/serial_1\.log from \S+ ended before the VM booted: tail exited with rc 1; its stderr: sudo: unable to execute \/usr\/bin\/timeout: No such file or directory\.\nQemu Start on node testuser@\S+:22 failed while waiting for the VM to boot \(serial log \/tmp\/serial_1\.log\)\.\nSerial log tail:\n\(empty: nothing was read from it\)$/,
    );
    expect(vm.runstate).toBe('idle');
  });

  it('names the exit code, the signal, its own time bound, or the lost connection', () => {
    const result = (rc: number | null, stderr = '', exitSignal?: string) => ({ result: { rc, stdout: '', stderr, ...(exitSignal ? { exitSignal } : {}) } });
    expect(streamEndReason(result(0), 65)).toBe('tail exited with rc 0, printing nothing on stderr');
    expect(streamEndReason(result(124), 65)).toBe('tail exited with rc 124 (its own 65 s bound expired), printing nothing on stderr');
    expect(streamEndReason(result(null, 'Killed\n', 'KILL'), 65)).toBe('tail was killed by signal KILL; its stderr: Killed');
    const lost = new ConnectionLostError(NODE, 'sudo -S timeout --foreground 65 tail -c +1 -F /tmp/serial_1.log', { stdout: 'Linux version 6.1\n', stderr: '' }, 'socket closed');
    expect(streamEndReason({ error: lost }, 65)).toBe('the connection to the node was lost while tail ran [socket closed]');
    const refused = new NodeConnectionError(NODE, 'refused', 'connect ECONNREFUSED 10.0.0.1:22');
    expect(streamEndReason({ error: refused }, 65)).toMatch(/^the connection to the node failed: Cannot connect to testuser@10\.0\.0\.1:22: connection refused/);
  });
});

describe('the VNF template is checked before anything is written (deviation 2.11)', () => {
  it('an unknown VPP template fails with nothing sent to the node: no mkdir, no rm, no writeFile', async () => {
    const { vm, node } = kernelvm([], {}, 'vpp_chain_unknown');
    await expect(vm.configureKernelvmVnf({ jumbo_frames: false })).rejects.toThrow(
      /^QEMU: no VPP template for VNF "vpp_chain_unknown" in \S+; available: vpp_chain_ip4, vpp_chain_l2xc$/,
    );
    await expect(vm.createKernelvmConfigVpp({ jumbo_frames: false })).rejects.toThrow(/no VPP template for VNF "vpp_chain_unknown"/);
    expect(writes(node)).toEqual([]);
    expect(records(node)).toEqual([]);
    expect(vm.createdFiles()).toEqual([]);
    expect(vm.tempFiles()).not.toHaveProperty('startup');
  });
});

describe('Qemu Version on output without a version (deviation 4.6)', () => {
  it.each([
    ['qemu-system-x86_64: unknown option\n', '"qemu-system-x86_64: unknown option"'],
    ['QEMU emulator version (unknown)\n', '"QEMU emulator version (unknown)"'],
    ['', '(no output)'],
  ])('%j: begins "QEMU: " as the original\'s errors do, and shows what was printed', async (stdout, shown) => {
    const node = dryRunNode([{ match: '--version', stdout }]);
    for (const version of [null, '2.10']) {
      const error = await failure(new QemuUtils(node).qemuVersion(version));
      expect(error).toBeInstanceOf(QemuVersionError);
      expect(error.message).toBe(
        `QEMU: cannot read the version: the output of /usr/bin/qemu-system-x86_64 --version on ${node.host} has no "QEMU emulator version <number>": ${shown}`,
      );
    }
  });
});

describe('Startup config can only be applied to DUTnode. (deviation 4.7)', () => {
  it('is the original\'s text byte for byte, before anything is written; the node\'s type goes to the log', async () => {
    const { vm, node } = kernelvm([], { type: 'TG' }, 'vpp_chain_ip4');
    const log = recordingLog();
    const error = await failure(vm.configureKernelvmVnf({ jumbo_frames: false }, { log }));
    expect(error).toBeInstanceOf(QemuConfigError);
    expect(error.message).toBe('Startup config can only be applied to DUTnode.');
    expect(NOT_A_DUT).toBe(error.message);
    expect(log.lines).toEqual([`Create Kernelvm Config Vpp: node ${node.host} has type "TG"; the VPP startup config is only written to a node of type DUT`]);
    expect(records(node)).toEqual([]);
  });
});
