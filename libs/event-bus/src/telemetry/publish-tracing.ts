import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import type { PublishReceipt } from '../contracts/publish-receipt';
import { getEventDefinition } from '../events/bus-event.decorator';
import { classOf } from '../events/event-class';
import { INSTRUMENTATION_SCOPE, OpenTelemetry } from '../dispatch/open-telemetry';
import { BusTelemetryNames } from '../contracts/telemetry-names';

const { attributes: A } = BusTelemetryNames;

/**
 * The PRODUCER span of a publish (`<event name> publish`; `publish` for a `publishAll` of several names). The
 * publish runs inside it, so its sync handlers' spans are its children and every envelope it builds carries its
 * trace context (see `activeTraceContext`), which the jobs, outbox rows and broadcasts of the publish take along.
 */
export class PublishTracing {
  private readonly tracer: Tracer;

  constructor(
    private readonly api: OpenTelemetry,
    private readonly system: string,
  ) {
    this.tracer = api.trace.getTracer(INSTRUMENTATION_SCOPE);
  }

  trace<R extends PublishReceipt | PublishReceipt[]>(events: readonly object[], publish: () => Promise<R>): Promise<R> {
    const api = this.api;
    const names = [
      ...new Set((Array.isArray(events) ? (events as readonly object[]) : []).map((event) => wireNameOf(event))),
    ];
    const attributes: Attributes = {
      'messaging.system': this.system,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
    };
    if (names.length === 1) {
      attributes['messaging.destination.name'] = names[0];
      attributes[A.eventName] = names[0];
    }
    if (events.length !== 1) attributes['messaging.batch.message_count'] = events.length;
    const span = this.tracer.startSpan(names.length === 1 ? `${names[0]} publish` : 'publish', {
      kind: api.SpanKind.PRODUCER,
      attributes,
    });
    let pending: Promise<R>;
    try {
      pending = api.context.with(api.trace.setSpan(api.context.active(), span), publish);
    } catch (error) {
      this.fail(span, error);
      throw error;
    }
    return pending.then(
      (receipts) => {
        const [first] = Array.isArray(receipts) ? receipts : [receipts];
        if (first && events.length === 1) {
          span.setAttribute('messaging.message.id', first.eventId);
          span.setAttribute('messaging.message.conversation_id', first.correlationId);
        }
        span.end();
        return receipts;
      },
      (error: unknown) => {
        this.fail(span, error);
        throw error;
      },
    );
  }

  private fail(span: Span, error: unknown): void {
    recordFailure(this.api, span, error);
    span.end();
  }
}

/** Marks a span failed with the error. */
export function recordFailure(api: OpenTelemetry, span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

function wireNameOf(event: object): string {
  try {
    return getEventDefinition(classOf(event))?.name ?? 'unknown';
  } catch {
    return 'unknown'; // not an event: publish refuses it with its own error
  }
}
