import { runTs } from './support/child-process';

const MAIN = 'test/fixtures/without-bullmq/main.ts';

describe('an app without bullmq, ioredis and @opentelemetry/api installed', () => {
  it('boots on the in-memory transport, publishes, runs its handlers, and the testing kit works', async () => {
    const child = runTs(MAIN, ['in-memory'], {});

    expect(await child.exited()).toBe(0);
    expect(child.output()).toContain('RESULT sync o-1, async o-1 true, sync o-2\n');
    expect(child.output()).toContain('LOADED 0\n');
  });

  it('asking for the BullMQ transport gets an EventBusConfigError saying what to install, or in-memory', async () => {
    const child = runTs(MAIN, ['bullmq'], {});

    expect(await child.exited()).toBe(0);
    expect(child.output()).toContain(
      `RESULT EventBusConfigError: The BullMQ transport (transport: 'bullmq', the default) needs the "bullmq" and ` +
        `"ioredis" packages, and "bullmq" is not installed. Install them (npm install bullmq ioredis), or, for an ` +
        `app or tests without Redis, use EventBusModule.forRoot({ transport: 'in-memory' }).`,
    );
  });
});
