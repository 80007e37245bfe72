import type { Attributes, Tracer } from '@opentelemetry/api';
import type { EventContext } from '../contracts/event-context';
import type { HandlerInterceptor, InterceptedHandler } from '../contracts/handler-interceptor';
import type { HandlerRegistry } from '../handlers/handler-registry';
import { outcomeOfFailure, queueOf } from './handler-delivery';
import { INSTRUMENTATION_SCOPE, OpenTelemetry } from '../dispatch/open-telemetry';
import { recordFailure } from './publish-tracing';
import { BusTelemetryNames } from '../contracts/telemetry-names';
import { remoteContextOf } from './remote-context';

const { attributes: A } = BusTelemetryNames;

/**
 * The span of every handler try, `<event name> process`: an INTERNAL child of the publish's span for sync handlers
 * (they run inside the publish); a CONSUMER span for async and broadcast handlers whose parent is the publish's span,
 * rebuilt from the trace context the job or message carries, so a handler in another process is in the publisher's
 * trace, one span per try (retries are siblings, told apart by `bus.attempt`). Parent rather than link: every handler
 * of a publish, in every process, then shows in the publish's trace. The bus installs it, outermost, when tracing is
 * on: user interceptors and the handler run inside the span, so their logs and spans belong to it.
 */
export class TracingInterceptor implements HandlerInterceptor {
  private readonly tracer: Tracer;

  constructor(
    private readonly api: OpenTelemetry,
    private readonly system: string,
    private readonly registry: () => HandlerRegistry,
  ) {
    this.tracer = api.trace.getTracer(INSTRUMENTATION_SCOPE);
  }

  intercept(
    event: object,
    context: EventContext,
    handler: InterceptedHandler,
    next: () => Promise<unknown>,
  ): Promise<unknown> {
    const api = this.api;
    const definition = context.mode === 'async' ? this.registry().asyncHandler(handler.id) : undefined;
    const active = api.context.active();
    const parent =
      context.mode === 'sync'
        ? active
        : (remoteContextOf(api, api.ROOT_CONTEXT, context.traceparent, context.tracestate) ?? active);
    const attributes: Attributes = {
      'messaging.system': this.system,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': definition ? queueOf(definition, event) : context.eventName,
      'messaging.message.id': context.eventId,
      'messaging.message.conversation_id': context.correlationId,
      'messaging.consumer.group.name': handler.id,
      [A.eventName]: context.eventName,
      [A.handlerId]: handler.id,
      [A.handlerMode]: context.mode,
      [A.attempt]: context.attempt,
      [A.maxAttempts]: context.maxAttempts,
    };
    if (context.partitionKey !== undefined) attributes[A.partitionKey] = context.partitionKey;
    const span = this.tracer.startSpan(
      `${context.eventName} process`,
      { kind: context.mode === 'sync' ? api.SpanKind.INTERNAL : api.SpanKind.CONSUMER, attributes },
      parent,
    );
    let pending: Promise<unknown>;
    try {
      pending = api.context.with(api.trace.setSpan(parent, span), next);
    } catch (error) {
      // Whatever was thrown, as it was thrown (the handler's own value, Error or not).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        span.end();
        return result;
      },
      (error: unknown) => {
        const outcome = outcomeOfFailure(context, definition, event, error);
        if (outcome) span.setAttribute(A.outcome, outcome);
        recordFailure(api, span, error);
        span.end();
        throw error;
      },
    );
  }
}
