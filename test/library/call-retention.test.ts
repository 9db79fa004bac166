/**
 * QemuUtils keywords as the server runs them (bound, in a session, with a call logger) keep nothing of a
 * call past the young-generation GCs: with an accessor defined on every call's context (callOf) or a
 * closure field replaced after construction (VmLifecycle's boot marker), about a quarter of what each call
 * allocated survived every scavenge, and the pauses that followed set the server's p99 latency.
 */
import { youngSurvival } from '../support/young-survival';

test('Qemu Init and Qemu Add Vhost User If keep nothing of a call past young-generation GCs', async () => {
  const { survivedPerCall, scavenges } = await youngSurvival('library', 'qemu', 30_000);
  expect(scavenges).toBeGreaterThan(3);
  // Measured: 170-185 bytes per call; with either holder back 1,950-2,750.
  expect(survivedPerCall).toBeLessThan(400);
});
