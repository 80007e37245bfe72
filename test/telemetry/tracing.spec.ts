import { Child, runTs } from '../support/child-process';
import { freshPrefix, redisUrl } from '../support/bus-app';

interface PrintedSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: Record<string, unknown>;
  readonly status: number;
}

const PRODUCER = 3;
const CONSUMER = 4;
const INTERNAL = 0;

function spansOf(child: Child): PrintedSpan[] {
  return child
    .output()
    .split('\n')
    .filter((line) => line.startsWith('span '))
    .map((line) => JSON.parse(line.slice(5)) as PrintedSpan);
}

describe('tracing (OpenTelemetry, SDK in-memory exporter, two processes)', () => {
  it("the worker's spans for a publish carry the publisher's trace id, one CONSUMER span per try", async () => {
    const env = { REDIS_URL: redisUrl(), BUS_PREFIX: freshPrefix() };
    const worker = runTs('test/telemetry/traced-process.ts', [], { ...env, ROLE: 'consumer' });
    await worker.printed('worker ready');
    const publisher = runTs('test/telemetry/traced-process.ts', [], { ...env, ROLE: 'publisher' });
    await publisher.printed('published ');
    const eventId = /published (\S+)/.exec(publisher.output())![1]!;

    await worker.printed('"bus.attempt":2');
    await worker.printed('"bus.handler.id":"traced.notify"');
    const published = spansOf(publisher);
    const producer = published.find((span) => span.kind === PRODUCER)!;
    expect(producer).toMatchObject({
      name: 'traced.order-placed publish',
      attributes: expect.objectContaining({
        'messaging.system': 'bullmq',
        'messaging.destination.name': 'traced.order-placed',
        'messaging.message.id': eventId,
      }),
    });
    // The sync handler ran inside the publish: a child span of it.
    expect(published.find((span) => span.attributes['bus.handler.id'] === 'traced.check-stock')).toMatchObject({
      kind: INTERNAL,
      traceId: producer.traceId,
      parentSpanId: producer.spanId,
    });

    const consumed = spansOf(worker).filter((span) => span.attributes['bus.handler.id'] === 'traced.bill');
    expect(consumed).toHaveLength(2);
    for (const [index, span] of consumed.entries()) {
      expect(span).toMatchObject({
        name: 'traced.order-placed process',
        kind: CONSUMER,
        traceId: producer.traceId,
        parentSpanId: producer.spanId,
        attributes: expect.objectContaining({
          'messaging.system': 'bullmq',
          'messaging.operation.type': 'process',
          'messaging.message.id': eventId,
          'messaging.destination.name': expect.stringMatching(/traced\.bill\.lane-\d+/),
          'bus.attempt': index + 1,
          'bus.max_attempts': 2,
          'bus.partition.key': 'o-1',
        }),
      });
    }
    expect(consumed[0]).toMatchObject({ status: 2, attributes: expect.objectContaining({ 'bus.outcome': 'retried' }) });
    // The broadcast reached the worker with the trace context too.
    expect(spansOf(worker).find((span) => span.attributes['bus.handler.id'] === 'traced.notify')).toMatchObject({
      kind: CONSUMER,
      traceId: producer.traceId,
      parentSpanId: producer.spanId,
    });
  }, 60_000);
});
