/**
 * The Redis Cluster suite (`npm run test:cluster`, `test/cluster/*.cluster.spec.ts`; `npm test` skips that folder):
 * a cluster of three masters on loopback ports and a PostgreSQL, started once for the run by its global setup and
 * stopped by pid at the end.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testMatch: ['**/*.cluster.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/cluster/support/cluster-global-setup.ts',
  globalTeardown: '<rootDir>/test/cluster/support/cluster-global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 60_000,
};
