import { ServerLifecycle } from '../../src/remote/server-lifecycle';
import { createServerLog } from '../../src/remote/server-log';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const quietLog = (): ReturnType<typeof createServerLog> => createServerLog({ level: 'silent' });

describe('the server stop phase', () => {
  test('serving -> stopping -> cutting -> stopped, each step once, with the signals aborted on stop', async () => {
    const lifecycle = new ServerLifecycle(quietLog());
    expect(lifecycle.phase).toBe('serving');
    const early = lifecycle.signal();
    expect(early.abort.signal.aborted).toBe(false);

    const phases: string[] = [];
    const reason = new Error('stopping');
    const shutdown = async (): Promise<void> => {
      phases.push(lifecycle.phase);
      await lifecycle.graceOver(0);
      lifecycle.cut();
      phases.push(lifecycle.phase);
      lifecycle.finish();
      phases.push(lifecycle.phase);
    };
    const first = lifecycle.stop(reason, shutdown, { cutNow: false });
    const second = lifecycle.stop(new Error('again'), () => Promise.reject(new Error('run twice')), { cutNow: false });
    expect(second).toBe(first);
    expect(early.abort.signal.reason).toBe(reason);
    expect(lifecycle.signal().abort.signal.aborted).toBe(true);
    await first;
    expect(phases).toEqual(['stopping', 'cutting', 'stopped']);
    lifecycle.cut();
    expect(lifecycle.phase).toBe('stopped');
  });

  test('a stop without grace cuts the waiting calls at once, with their own cut outcome', async () => {
    const lifecycle = new ServerLifecycle(quietLog());
    const never = new Promise<Outcome>(() => undefined);
    const tracked = lifecycle.track(never, () => ({ ok: false, error: 'cut' }));
    expect(lifecycle.runningCalls).toBe(1);
    let graceOver = false;
    const stopped = lifecycle.stop(
      new Error('stopping'),
      async () => {
        await lifecycle.graceOver(60_000);
        graceOver = true;
        lifecycle.finish();
      },
      { cutNow: false },
    );
    expect(lifecycle.phase).toBe('stopping');
    void lifecycle.stop(new Error('again'), () => Promise.resolve(), { cutNow: true });
    expect(lifecycle.phase).toBe('cutting');
    await expect(tracked).resolves.toEqual({ ok: false, error: 'cut' });
    await stopped;
    expect(graceOver).toBe(true);
    expect(lifecycle.runningCalls).toBe(0);
  });

  test('finished calls leave nothing behind and are not cut', async () => {
    const lifecycle = new ServerLifecycle(quietLog());
    await expect(lifecycle.track(Promise.resolve({ ok: true, value: 1 }), () => ({ ok: false, error: 'cut' }))).resolves.toEqual({ ok: true, value: 1 });
    expect(lifecycle.runningCalls).toBe(0);
  });
});
