import { Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BusEvent, EventContext, OnEventAsync } from 'nestjs-durable-bus';

/*
 * The events and handlers of the fault suite (no jest here: the worker processes import it too). Handlers record
 * each run in a Redis of the test's that is never faulted (RECORD_URL), so the record survives what the bus's Redis
 * goes through.
 */

/** One event of a fault scenario: its id in the run, its partition key, and its place in the key's sequence. */
@BusEvent('faults.entry', { partitionKey: 'key' })
export class FaultEntry {
  constructor(
    readonly id: string,
    readonly key: string,
    readonly seq: number,
  ) {}
}

/** A plain handler (no lanes) and a partitioned one (per-key order), both of {@link FaultEntry}. */
export const PLAIN = 'faults.plain';
export const PARTITIONED = 'faults.partitioned';
export const HANDLERS = [PLAIN, PARTITIONED] as const;
export type FaultHandlerId = (typeof HANDLERS)[number];
export const LANES = 4;

/** The list (in the record Redis) of `handler|id|key|seq|pid|attempt`, in handling order, and its live channel. */
export const recordList = (prefix: string) => `${prefix}:record`;
export const recordChannel = (prefix: string) => `${prefix}:record:live`;

@Injectable()
export class FaultHandlers implements OnApplicationShutdown {
  private readonly record = new Redis(process.env.RECORD_URL!);
  private readonly prefix = process.env.BUS_PREFIX!;

  @OnEventAsync(FaultEntry, { id: PLAIN, partitionBy: false, concurrency: 8 })
  plain(event: FaultEntry, ctx: EventContext) {
    return this.note(PLAIN, event, ctx);
  }

  @OnEventAsync(FaultEntry, { id: PARTITIONED, lanes: LANES })
  partitioned(event: FaultEntry, ctx: EventContext) {
    return this.note(PARTITIONED, event, ctx);
  }

  private async note(handler: FaultHandlerId, event: FaultEntry, ctx: EventContext) {
    // A little work (1–4 ms, varying with the event), so that jobs are running when a fault strikes.
    await new Promise((resolve) => setTimeout(resolve, 1 + (event.seq % 4)));
    const entry = `${handler}|${event.id}|${event.key}|${event.seq}|${process.pid}|${ctx.attempt}`;
    await this.record.multi().rpush(recordList(this.prefix), entry).publish(recordChannel(this.prefix), entry).exec();
  }

  async onApplicationShutdown() {
    await this.record.quit();
  }
}

@Module({ providers: [FaultHandlers] })
export class FaultHandlersModule {}
