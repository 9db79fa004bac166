/**
 * The order jest starts test files in. Its default puts the slowest first, which on CI's 2 workers starts the
 * soak (2 TCG VMs and 2 busy-polling host testpmds) beside test/vm/vm.test.ts: the cores are then
 * oversubscribed several times over and vm.test.ts' boot-detection latency bound was missed (1.5 s against
 * its 1 s). Here the soak goes first and the other files that boot real VMs go last, after the many short
 * files, so the soak never runs beside them; the rest keeps the default order.
 */
const DefaultSequencer = require('@jest/test-sequencer').default;

const FIRST = [/test\/reliability\/soak\.test\.ts$/];
const LAST = [/test\/vm\/[^/]+\.test\.ts$/, /test\/qemu\/manager-real\.test\.ts$/, /test\/qemu\/real-host\.test\.ts$/];

class VmAwareSequencer extends DefaultSequencer {
  async sort(tests) {
    const ordered = await super.sort(tests);
    const matches = (patterns) => (test) => patterns.some((pattern) => pattern.test(test.path));
    const first = ordered.filter(matches(FIRST));
    const last = ordered.filter((test) => !matches(FIRST)(test) && matches(LAST)(test));
    const middle = ordered.filter((test) => !first.includes(test) && !last.includes(test));
    return [...first, ...middle, ...last];
  }
}

module.exports = VmAwareSequencer;
