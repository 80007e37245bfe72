import { Injectable } from '@nestjs/common';
import { BusEvent, OnEventAsync } from 'nestjs-durable-bus';
import { createBusApp, freshPrefix, redisClient } from './support/bus-app';
import { runTs } from './support/child-process';
import { Recorder } from './support/deferred';

@BusEvent('roles.ticket-opened')
class TicketOpened {
  constructor(readonly ticketId: string) {}
}

const handled = new Recorder<string>();

@Injectable()
class Triage {
  @OnEventAsync(TicketOpened, { id: 'support.triage' })
  async triage(event: TicketOpened) {
    handled.push(`triage ${event.ticketId}`);
  }
}

@Injectable()
class Escalation {
  @OnEventAsync(TicketOpened, { id: 'support.escalate' })
  async escalate(event: TicketOpened) {
    handled.push(`escalate ${event.ticketId}`);
  }
}

describe('process roles', () => {
  beforeEach(() => (handled.values.length = 0));

  it('a publisher-only process starts no workers; a consumer-only process handles what it publishes', async () => {
    const publisher = await createBusApp({ providers: [Triage], bus: { role: 'publisher' } });

    const receipt = await publisher.bus.publish(new TicketOpened('t-1'));

    expect(await publisher.queue('support.triage').getWorkers()).toEqual([]);
    expect(await publisher.queue('support.triage').getJobState(receipt.jobs[0]!.jobId)).toBe('waiting');
    const consumer = await createBusApp({ providers: [Triage], bus: { role: 'consumer' }, prefix: publisher.prefix });
    expect(await consumer.queue('support.triage').getWorkers()).toHaveLength(1);
    await handled.until((values) => values.includes('triage t-1'), 'the consumer to handle the job');
  });

  it('a consuming process never takes (or completes) jobs of a handler it does not have', async () => {
    const publisher = await createBusApp({ providers: [Triage, Escalation], bus: { role: 'publisher' } });
    await createBusApp({ providers: [Triage], bus: { role: 'consumer' }, prefix: publisher.prefix });

    const receipt = await publisher.bus.publish(new TicketOpened('t-2'));
    await handled.until((values) => values.includes('triage t-2'), 'triage');

    const escalateJob = receipt.jobs.find((job) => job.handlerId === 'support.escalate')!;
    expect(await publisher.queue('support.escalate').getWorkers()).toEqual([]);
    expect(await publisher.queue('support.escalate').getJobState(escalateJob.jobId)).toBe('waiting');
    expect(handled.values).toEqual(['triage t-2']);
  });

  it('two separate Node processes, a publisher-only and a consumer-only app, exchange events', async () => {
    const prefix = freshPrefix();
    const env = { BUS_PREFIX: prefix };
    const consumer = runTs('test/fixtures/two-process/main.ts', ['consumer'], env);
    await consumer.printed('consumer ready');

    const publisher = runTs('test/fixtures/two-process/main.ts', ['publisher', '25'], env);
    expect(await publisher.exited()).toBe(0);
    expect(publisher.output()).toContain('published 25');

    const redis = redisClient();
    const records: {
      pid: number;
      orderId: string;
      instance: boolean;
      total: string;
      placedAt: string;
      attempt: number;
    }[] = [];
    while (records.length < 25) {
      const popped = await redis.blpop(`${prefix}:test:handled`, 20);
      if (!popped) throw new Error(`only ${records.length} of 25 events handled after 20 s:\n${consumer.output()}`);
      records.push(JSON.parse(popped[1]));
    }
    records.sort((a, b) => Number(a.orderId.slice(2)) - Number(b.orderId.slice(2)));
    expect(records.map((r) => r.orderId)).toEqual(Array.from({ length: 25 }, (_, i) => `o-${i}`));
    expect(new Set(records.map((r) => r.pid))).toEqual(new Set([consumer.process.pid]));
    expect(records.every((r) => r.instance && r.attempt === 1)).toBe(true);
    expect(records[3]).toMatchObject({ total: '3.50', placedAt: '2026-01-01T00:00:03.000Z' });
    await consumer.stop('SIGTERM');
    expect(consumer.output()).toContain('shut down (SIGTERM)');
  });
});
