import { Injectable } from '@nestjs/common';
import { BusEvent, EventContext, OnEventAsync } from 'nestjs-durable-bus';
import { CuttingProxy } from './support/cutting-proxy';
import { MemoryLogger, createBusApp, redisUrl } from './support/bus-app';
import { Deferred, Recorder, deferred } from './support/deferred';

@BusEvent('lost-reply.letter-sent')
class LetterSent {
  constructor(readonly letterId: string) {}
}

@BusEvent('lost-reply.account-letter-sent', { partitionKey: 'accountId' })
class AccountLetterSent {
  constructor(
    readonly accountId: string,
    readonly letterId: string,
  ) {}
}

const handled = new Recorder<{ letterId: string; attempt: number }>();
let firstStarted: Deferred<void>;
let releaseFirst: Deferred<void>;

async function handle(letterId: string, ctx: EventContext): Promise<void> {
  handled.push({ letterId, attempt: ctx.attempt });
  if (letterId === 'first') {
    firstStarted.resolve();
    await releaseFirst.promise;
  }
}

@Injectable()
class Mailroom {
  @OnEventAsync(LetterSent, { id: 'mailroom.file', concurrency: 1 })
  async file(event: LetterSent, ctx: EventContext) {
    await handle(event.letterId, ctx);
  }
}

@Injectable()
class AccountMailroom {
  @OnEventAsync(AccountLetterSent, { id: 'mailroom.file-per-account', lanes: 1 })
  async file(event: AccountLetterSent, ctx: EventContext) {
    await handle(event.letterId, ctx);
  }
}

/**
 * Finishing a job also fetches the next one. When the reply to that is lost with the connection (Redis restarting
 * between running the script and answering), ioredis sends it again, which fails ("Missing lock"): the job it had
 * fetched sat active, locked for nobody, until its lock expired and a stalled check put it back (30 s + up to 30 s
 * with BullMQ's defaults). A proxy loses exactly that reply, deterministically.
 */
describe('a reply lost with the connection while a job finishes', () => {
  let proxy: CuttingProxy | undefined;

  beforeEach(async () => {
    handled.values.length = 0;
    firstStarted = deferred();
    releaseFirst = deferred();
    proxy = await CuttingProxy.start(redisUrl());
  });

  afterEach(async () => {
    releaseFirst.resolve();
    await proxy?.stop();
  });

  it.each([
    ['a plain handler', Mailroom, (id: string) => new LetterSent(id)],
    ['a partitioned handler', AccountMailroom, (id: string) => new AccountLetterSent('acct-1', id)],
  ])(
    '%s: the job fetched by the lost reply runs at once, counted as its first attempt (it waited out its lock)',
    async (_, provider, event) => {
      const logger = new MemoryLogger();
      // A lock far longer than the test's waits: recovery through lock expiry and the stalled check cannot pass.
      const { bus } = await createBusApp({
        providers: [provider],
        logger,
        bus: { connection: proxy!.url, worker: { lockDuration: 60_000, stalledInterval: 60_000 } },
      });
      const first = await bus.publish(event('first'));
      await firstStarted.promise;
      await bus.publish(event('second'));
      const firstJobId = first.jobs[0]!.jobId;

      // The command that completes the first job (and fetches the second) runs in Redis; its reply is lost.
      const cut = proxy!.cutReplyTo((chunk) => chunk.includes(firstJobId) && chunk.includes('completed'));
      releaseFirst.resolve();
      await cut;

      await handled.until((values) => values.some((h) => h.letterId === 'second'), 'the second letter', 10_000);
      expect(handled.values.filter((h) => h.letterId === 'second')).toEqual([{ letterId: 'second', attempt: 1 }]);
    },
  );
});
