/**
 * Jest runs TypeScript through SWC (legacy decorators + metadata, like tsc). NestJS 12 and superjson ship ESM only,
 * so SWC also turns those node_modules into CommonJS for Jest.
 */
const swc = (syntax) => [
  '@swc/jest',
  {
    jsc: {
      parser: syntax === 'typescript' ? { syntax, decorators: true } : { syntax },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/test', '<rootDir>/libs'],
  testMatch: ['**/*.spec.ts'],
  // The fault suite starts, kills and restarts servers of its own: `npm run test:faults` (jest.faults.config.js); the
  // cluster suite runs on a Redis Cluster of its own: `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/', '<rootDir>/test/cluster/'],
  transform: {
    '^.+\\.ts$': swc('typescript'),
    '^.+\\.m?js$': swc('ecmascript'),
  },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|superjson|copy-anything|is-what)/)'],
  moduleNameMapper: {
    '^nestjs-durable-bus$': '<rootDir>/libs/event-bus/src',
    '^nestjs-durable-bus/testing$': '<rootDir>/libs/event-bus/testing',
    '^nestjs-durable-bus/dashboard$': '<rootDir>/libs/event-bus/dashboard',
    '^nestjs-durable-bus/typeorm$': '<rootDir>/libs/event-bus/typeorm',
    '^nestjs-durable-bus/drizzle$': '<rootDir>/libs/event-bus/drizzle',
    '^nestjs-durable-bus/bullmq$': '<rootDir>/libs/event-bus/bullmq',
    '^nestjs-durable-bus/transport$': '<rootDir>/libs/event-bus/transport',
    '^nestjs-durable-bus/postgres$': '<rootDir>/libs/event-bus/postgres',
    '^nestjs-durable-bus/terminus$': '<rootDir>/libs/event-bus/terminus',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30_000,
};
