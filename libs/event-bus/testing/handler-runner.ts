import type { EventCodec } from '../src/codec/event-codec';
import type { ValueType } from '../src/contracts/value-type';
import { newEnvelope } from '../src/dispatch/event-context';
import type { HandlerInvoker } from '../src/dispatch/handler-invoker';
import { SyncHandlerError } from '../src/errors/sync-handler.error';
import { requireEventDefinition } from '../src/events/bus-event.decorator';
import { classOf } from '../src/events/event-class';
import { EventEnvelope, jobIdOf, toJobData } from '../src/contracts/event-envelope';
import type { AsyncHandlerDefinition, HandlerDefinition } from '../src/handlers/handler-definition';
import type { HandlerRegistry } from '../src/handlers/handler-registry';
import { assertRoundTrip } from './codec-round-trip';
import { HandlerSelectionError } from './errors/handler-selection.error';

/**
 * Which handler `runEvent` runs: its class (which must have exactly one handler for the event), its method
 * (`FinancesHandlers.prototype.issueInvoice`), or its handler id (`'finances.issue-invoice'`).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any class or method reference
export type HandlerSelector = string | Function;

/** Options of `runEvent`. */
export interface RunEventOptions {
  /** The attempt the handler sees in its context (async handlers). Default 1. */
  readonly attempt?: number;
  /**
   * The correlation id of an event that starts a chain, as `publish`'s option: inside a handler the event continues
   * the handled event's chain. Default: the event's own id.
   */
  readonly correlationId?: string;
}

/**
 * What `runEvent` did: the handler's filter refused the event, or it ran and returned or threw. Every variant has
 * `result` and `error` (undefined where they do not apply), so `const { result } = await kit.runEventOrThrow(…)`
 * needs no narrowing.
 */
export type RunEventResult<R = unknown> =
  | {
      readonly status: 'not-interested';
      readonly handlerId: string;
      readonly result?: undefined;
      readonly error?: undefined;
    }
  | { readonly status: 'ok'; readonly handlerId: string; readonly result: R; readonly error?: undefined }
  | { readonly status: 'error'; readonly handlerId: string; readonly error: unknown; readonly result?: undefined };

/** What `runEventOrThrow` returns: the handler ran and returned (`result`), or its filter refused the event. */
export type RunEventOutcome<R = unknown> = Exclude<RunEventResult<R>, { readonly status: 'error' }>;

/**
 * Runs one event through one handler the way production does: the filter first, then (async handlers) the job
 * data through JSON and the codec, then the handler in its context through the {@link HandlerInvoker}.
 */
export class HandlerRunner {
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly invoker: HandlerInvoker,
    private readonly codec: EventCodec,
    private readonly valueTypes: readonly ValueType[],
  ) {}

  async run(event: object, selector: HandlerSelector, options: RunEventOptions = {}): Promise<RunEventResult> {
    const handler = this.select(event, selector);
    const envelope = envelopeFor(event, options);
    if (handler.kind === 'sync') return this.runSync(handler, event, envelope);
    if (handler.filter && !handler.filter(event)) return { status: 'not-interested', handlerId: handler.id };
    const payload = this.codec.encode(handler.event.name, event, handler.event.maxPayloadBytes);
    const data = toJobData(envelope, handler.id, payload, handler.partition?.keyOf(event));
    assertRoundTrip(this.invoker, handler, event, data, this.valueTypes);
    try {
      const result = await this.invoker.invokeJob(handler, JSON.parse(JSON.stringify(data)) as unknown, {
        jobId: jobIdOf(envelope.id, handler.id),
        attempt: options.attempt ?? 1,
        maxAttempts: handler.delivery.attempts,
      });
      return { status: 'ok', handlerId: handler.id, result };
    } catch (error) {
      return { status: 'error', handlerId: handler.id, error };
    }
  }

  /** The one handler of `event` that `selector` designates; a {@link HandlerSelectionError} otherwise. */
  select(event: object, selector: HandlerSelector): HandlerDefinition {
    const definition = requireEventDefinition(classOf(event), 'runEvent');
    const ofEvent = this.registry.handlers.filter((handler) => handler.event.name === definition.name);
    const chosen = ofEvent.filter((handler) => selects(handler, selector));
    if (chosen.length === 1) return chosen[0] as HandlerDefinition;
    const listed = ofEvent.map((handler) => `  ${describe(handler)}`).join('\n') || '  (none)';
    const wanted = typeof selector === 'string' ? `handler id "${selector}"` : `${selector.name || 'the selector'}`;
    if (chosen.length === 0) {
      const elsewhere = this.registry.handlers.filter((handler) => selects(handler, selector));
      const other = elsewhere.length
        ? ` It has handlers for other events: ${elsewhere.map((handler) => `${handler.id} (${handler.event.name})`).join(', ')}.`
        : '';
      throw new HandlerSelectionError(
        `runEvent: ${wanted} has no handler for event "${definition.name}".${other} The event's handlers:\n${listed}`,
      );
    }
    throw new HandlerSelectionError(
      `runEvent: ${wanted} has ${chosen.length} handlers for event "${definition.name}":\n` +
        `${chosen.map((handler) => `  ${describe(handler)}`).join('\n')}\n` +
        'Pick one by method (Class.prototype.method) or by handler id.',
    );
  }

  private async runSync(handler: HandlerDefinition & { kind: 'sync' }, event: object, envelope: EventEnvelope) {
    try {
      await this.invoker.invokeSync(handler, event, envelope);
      return { status: 'ok' as const, handlerId: handler.id, result: undefined };
    } catch (error) {
      return {
        status: 'error' as const,
        handlerId: handler.id,
        error: error instanceof SyncHandlerError ? error.cause : error,
      };
    }
  }
}

function selects(handler: HandlerDefinition, selector: HandlerSelector): boolean {
  if (typeof selector === 'string') return handler.id === selector;
  const prototype = Object.getPrototypeOf(handler.provider) as Record<string, unknown>;
  if (prototype[handler.methodName] === selector) return true;
  // Methods have no prototype; classes do.
  return typeof selector.prototype === 'object' && handler.provider instanceof selector;
}

function describe(handler: HandlerDefinition): string {
  const filtered = (handler as AsyncHandlerDefinition).filter ? ', filtered' : '';
  return `${handler.id} (${handler.location}, ${handler.kind}${filtered})`;
}

function envelopeFor(event: object, options: RunEventOptions): EventEnvelope {
  return newEnvelope(event, requireEventDefinition(classOf(event), 'runEvent'), options.correlationId);
}
