import { Injectable, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BusEvent, EventContext, OnEventAsync } from 'nestjs-durable-bus';

/** One event of the ordering test: its key, its place in the key's sequence, and how often each handler fails it. */
@BusEvent('ordering.ledger-entry', { partitionKey: 'key' })
export class LedgerEntry {
  constructor(
    readonly key: string,
    readonly seq: number,
    /** Failing tries per handler: 0 = fine, below attempts = retried, at or above attempts = exhausted. */
    readonly failFor: { readonly deadLetter: number; readonly park: number },
  ) {}
}

export const LANES = 16;
export const DEAD_LETTER_ATTEMPTS = 3;
export const PARK_ATTEMPTS = 2;

/** Where handlers record what they did (Redis lists per handler), read by the test. */
export const handledList = (prefix: string, handler: 'deadLetter' | 'park') => `${prefix}:test:handled:${handler}`;

/**
 * The handlers of the ordering test, run by the worker processes. Each records `key|seq|pid` when it succeeds; random
 * latency lets lanes interleave; failures come from the event. One worker (KILL_AFTER) SIGKILLs itself mid-job.
 */
@Injectable()
export class OrderingHandlers {
  private readonly redis = new Redis(process.env.REDIS_URL!);
  private handled = 0;
  private readonly killAfter = Number(process.env.KILL_AFTER ?? Infinity);

  @OnEventAsync(LedgerEntry, {
    id: 'ordering.dead-letter',
    lanes: LANES,
    attempts: DEAD_LETTER_ATTEMPTS,
    backoff: 2,
    onExhausted: 'dead-letter',
  })
  deadLetter(event: LedgerEntry, ctx: EventContext) {
    return this.handle('deadLetter', event, ctx);
  }

  @OnEventAsync(LedgerEntry, {
    id: 'ordering.park',
    lanes: LANES,
    attempts: PARK_ATTEMPTS,
    backoff: 2,
    onExhausted: 'park',
  })
  park(event: LedgerEntry, ctx: EventContext) {
    return this.handle('park', event, ctx);
  }

  private async handle(handler: 'deadLetter' | 'park', event: LedgerEntry, ctx: EventContext) {
    if (++this.handled >= this.killAfter && event.failFor.deadLetter === 0 && event.failFor.park === 0) {
      process.stdout.write(`killing myself mid-job: ${handler} ${event.key}#${event.seq}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));
    if (ctx.attempt <= event.failFor[handler])
      throw new Error(`${handler} ${event.key}#${event.seq} attempt ${ctx.attempt} failed`);
    await this.redis.rpush(handledList(process.env.BUS_PREFIX!, handler), `${event.key}|${event.seq}|${process.pid}`);
  }

  async onApplicationShutdown() {
    await this.redis.quit();
  }
}

@Module({ providers: [OrderingHandlers] })
export class OrderingModule {}
