/**
 * The whole call path of the server (HTTP, decoding, session queue, keyword, encoding, the per-call log
 * line) keeps nothing of a call past young-generation GCs, for the demo `echo` and for QemuUtils keywords:
 * the request, the call and keyword contexts and the keyword's objects die with the call. A getter in an
 * object literal or an accessor defined per call kept every call's objects alive through the scavenges
 * (docs/server.md, "Per-call cost"), which is what this guards against.
 */
import { youngSurvival } from '../support/young-survival';

test('an echo call keeps nothing past young-generation GCs', async () => {
  const { survivedPerCall, scavenges } = await youngSurvival('server', 'echo', 4000);
  expect(scavenges).toBeGreaterThan(3);
  // Measured: 265-315 bytes per call.
  expect(survivedPerCall).toBeLessThan(600);
});

test('Qemu Init and Qemu Add Vhost User If calls keep nothing past young-generation GCs', async () => {
  const { survivedPerCall, scavenges } = await youngSurvival('server', 'qemu', 4000);
  expect(scavenges).toBeGreaterThan(3);
  // Measured: 600-650 bytes per call (the dry-run records of each Qemu Init among them); with an accessor
  // defined on every call's context 13,800, with the boot-marker field replaced after construction 3,300.
  expect(survivedPerCall).toBeLessThan(1200);
});
