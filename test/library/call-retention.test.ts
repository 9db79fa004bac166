/**
 * QemuUtils keywords as the server runs them (bound, in a session, with a call logger) keep nothing of a
 * call past the young-generation GCs: with an accessor defined on every call's context (callOf) or a
 * closure field replaced after construction (VmLifecycle's boot marker), about a quarter of what each call
 * allocated survived every scavenge, and the pauses that followed set the server's p99 latency.
 */
import { closeAllTransports } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { bindArguments } from '../../src/remote/binding';
import type { RemoteLibrary } from '../../src/remote/library';
import { CallLogger } from '../../src/remote/logger';
import { runWithInstance, Session } from '../../src/remote/sessions';
import { compileLibrary } from '../../src/remote/spec';
import { youngSurvival } from '../support/young-survival';

afterAll(() => closeAllTransports());

const NODE = { host: 'retention-dut', port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: [] };
/** As bench/remote-throughput.ts calls: a VM takes at most 26 NICs. */
const INIT_EVERY = 25;

test('Qemu Init and Qemu Add Vhost User If keep nothing of a call past young-generation GCs', async () => {
  const library = createQemuLibrary() as RemoteLibrary<unknown>;
  const compiled = compileLibrary(library);
  const session = new Session<unknown>('retention');
  const run = async (index: number): Promise<void> => {
    const init = index % INIT_EVERY === 0;
    const keyword = compiled.keywords.get(init ? 'qemu_init' : 'qemu_add_vhost_user_if');
    if (keyword === undefined) throw new Error('keyword missing');
    const logger = new CallLogger();
    const args = init ? [NODE] : [`/run/vpp/sock-${index % INIT_EVERY}`];
    await runWithInstance(library, session, keyword.definition, bindArguments(keyword, args, {}), { log: logger, signal: () => new AbortController().signal });
    logger.close();
  };
  const { survivedPerCall, scavenges } = await youngSurvival(run, 30_000);
  expect(scavenges).toBeGreaterThan(3);
  // Measured under jest: 170-190 bytes per call; with either holder 1,900-2,900.
  expect(survivedPerCall).toBeLessThan(400);
});
