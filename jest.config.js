/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  // Integration tests start real sshd, QEMU and servers: give them room, and run files in parallel on CI's 2 cores.
  testTimeout: 60000,
  maxWorkers: 2,
  // VM-booting files never run together (see jest.sequencer.js).
  testSequencer: '<rootDir>/jest.sequencer.js',
};
