/**
 * The fault suite (`npm run test:faults`): Redis killed and restarted, Redis down during publishes, PostgreSQL
 * restarted under the relay, a worker SIGKILLed, garbage jobs. Each spec starts, kills and stops servers and processes
 * of its own on loopback, so the files run one at a time and need no global Redis or PostgreSQL.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.faults.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: undefined,
  globalTeardown: undefined,
  maxWorkers: 1,
  testTimeout: 120_000,
};
