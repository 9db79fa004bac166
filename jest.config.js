/**
 * The tests fall into four jest projects by what they need to run (scripts/test.sh runs them as groups):
 *   unit         pure logic and dry-run nodes: no child process, no socket, no Python;
 *   integration  real peers that are cheap: sshd, remote servers and the CLI, Python and Robot, a paused QEMU,
 *                qemu-ga, a headless browser (every file not listed below lands here);
 *   vm           files that boot real guests or hold the bed's QEMU and host testpmd;
 *   soak         the long run of VMs and busy-polling testpmds (test/reliability/soak.test.ts).
 * The soak's VMs must never share CI's 2 cores with the vm files, so scripts/test.sh runs the groups one after
 * another (`--selectProjects`), never the soak beside vm.
 */
const UNIT = [
  'qemu/guest/dpdk-util',
  'qemu/guest/output',
  'library/qemu-library',
  'library/settings-arguments',
  'node/channel-limiter',
  'node/dry-run',
  'node/known-hosts',
  'node/node',
  'qemu/fidelity-2019',
  'qemu/generators',
  'qemu/head-contract',
  'qemu/head-wiring',
  'qemu/hugepage-reservations',
  'qemu/hugepages-pools',
  'qemu/manager',
  'qemu/manager-head',
  'qemu/manager-head-2vfpt',
  'qemu/monitor/event-buffer',
  'qemu/monitor/interfaces',
  'qemu/monitor/json-lines',
  'qemu/node-step',
  'qemu/params',
  'qemu/payloads/custom',
  'qemu/payloads/head-generators',
  'qemu/payloads/head-payload',
  'qemu/payloads/head-write',
  'qemu/placement/affinity',
  'qemu/placement/topology',
  'qemu/qemu-utils',
  'qemu/start-hints',
  'qemu/version-settings',
  'qemu/start-abort',
  'qemu/vm-ownership',
  'qemu/vfio/check',
  'qemu/vm-runstate',
  'remote/auth',
  'remote/binding',
  'remote/docs/html-page',
  'remote/docs/libdoc-spec',
  'remote/docs/type-info',
  'remote/results',
  'remote/server-lifecycle',
  'remote/server-log',
  'remote/sessions',
  'testbed/testbed-info',
];
const VM = ['vm/[^/]+', 'keywords/csit-imports-vm', 'keywords/csit2019-vm', 'qemu/manager-real', 'qemu/real-host', 'testbed/host-testpmd', 'testbed/kernel-boot', 'testbed/nested-image'];
const SOAK = ['reliability/soak'];

/** Path patterns (regular expressions, matched against the absolute path) for `test/<name>.test.ts`. */
const files = (names) => names.map((name) => `/test/${name}\\.test\\.ts$`);

const project = (displayName, options) => ({
  displayName,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  ...options,
});

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests start real sshd, QEMU and servers: give them room, and run files in parallel on CI's 2 cores.
  testTimeout: 60000,
  maxWorkers: 2,
  projects: [
    project('unit', { testRegex: files(UNIT) }),
    project('integration', { testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', ...files([...UNIT, ...VM, ...SOAK])] }),
    project('vm', { testRegex: files(VM) }),
    project('soak', { testRegex: files(SOAK) }),
  ],
};
