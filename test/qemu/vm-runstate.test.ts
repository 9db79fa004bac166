import { QemuRunstateError, QemuStateError } from '../../src/qemu/errors';
import { VmRunstate } from '../../src/qemu/vm-runstate';

function refusal(run: () => void): QemuRunstateError {
  try {
    run();
  } catch (error) {
    if (error instanceof QemuRunstateError) return error;
    throw error;
  }
  throw new Error('expected a QemuRunstateError');
}

describe('VmRunstate', () => {
  it('starts new and moves only along its transitions', () => {
    const runstate = new VmRunstate(() => 'VM 1 on dut1');
    expect(runstate.current).toBe('new');
    expect(runstate.mayHoldLeftover).toBe(true);
    runstate.move({ runstate: 'idle' }, ['new', 'leftover']);
    runstate.move({ runstate: 'starting' }, ['idle']);
    expect(runstate.started).toBe(true);
    expect(runstate.pid).toBeUndefined();
    runstate.move({ runstate: 'running', pid: 42 }, ['starting']);
    expect([runstate.current, runstate.pid]).toEqual(['running', 42]);
    const error = refusal(() => runstate.move({ runstate: 'running', pid: 43 }, ['starting']));
    expect(error).toBeInstanceOf(QemuStateError);
    expect([error.current, error.needed]).toEqual(['running', ['starting']]);
    expect(error.message).toBe('moving to running: VM 1 on dut1 is running, but needs to be starting');
  });

  it('require names the step, the current and the needed runstates, or keeps a message users know', () => {
    const runstate = new VmRunstate(() => 'VM 2 on dut2');
    expect(refusal(() => runstate.require('Get Qemu Pids', ['starting', 'running'])).message).toBe(
      'Get Qemu Pids: VM 2 on dut2 is new, but needs to be starting or running',
    );
    const kept = refusal(() => runstate.require('Get Qemu Pids', ['running'], 'Get Qemu Pids: VM 2 on dut2 is not running; run Qemu Start first'));
    expect([kept.message, kept.current]).toEqual(['Get Qemu Pids: VM 2 on dut2 is not running; run Qemu Start first', 'new']);
    expect(() => runstate.require('Qemu Kill', ['new', 'idle'])).not.toThrow();
  });

  it('settles only once a failed start has been cleaned up', async () => {
    const runstate = new VmRunstate(() => 'VM 3 on dut3');
    runstate.move({ runstate: 'idle' }, ['new']);
    runstate.move({ runstate: 'running', pid: 7 }, ['idle']);
    let finish = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    runstate.move({ runstate: 'cleaning-up', pid: 7, done }, ['running']);
    expect(runstate.pid).toBe(7);
    let settled = false;
    const waiting = runstate.settled().then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    runstate.move({ runstate: 'idle' }, ['cleaning-up']);
    finish();
    await waiting;
    expect([settled, runstate.current]).toEqual([true, 'idle']);
  });
});
