import { Inject, Injectable } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec';
import { InvalidJobError, SyncHandlerError } from '../errors';
import { EventDefinition } from '../events/bus-event.decorator';
import { EventEnvelope, EventJobData } from '../events/event-envelope';
import {
  AsyncHandlerDefinition,
  BroadcastHandlerDefinition,
  SyncHandlerDefinition,
} from '../handlers/handler-definition';
import { JobAttempt, UnreadableJobData } from '../transport/event-transport';
import { EVENT_CODEC } from '../module/tokens';
import { contextOf, currentEventContext, EventContext } from './event-context';

/**
 * The one place every handler call goes through, sync or async, in production and in tests: it builds the
 * handler's context, runs the handler inside it (so follow-up publishes get causation and correlation), and turns
 * failures into the errors the bus promises.
 */
@Injectable()
export class HandlerInvoker {
  constructor(@Inject(EVENT_CODEC) private readonly codec: EventCodec) {}

  /**
   * Runs a sync handler; a throw or rejection becomes a {@link SyncHandlerError} naming event and handler. Returns
   * a promise only when the handler returned one: most sync handlers are plain functions, and a promise per call
   * (with async hooks on, for the context) is most of what a publish costs.
   */
  invokeSync(handler: SyncHandlerDefinition, event: object, envelope: EventEnvelope): Promise<void> | undefined {
    const context = contextOf(envelope, handler.id, 'sync');
    const fail = (error: unknown) => new SyncHandlerError(envelope.name, envelope.id, handler.id, error);
    let result: unknown;
    try {
      result = currentEventContext.run(context, () => handler.invoke(event, context));
    } catch (error) {
      throw fail(error);
    }
    if (!isThenable(result)) return undefined;
    return Promise.resolve(result).then(
      () => undefined,
      (error: unknown) => {
        throw fail(error);
      },
    );
  }

  /**
   * Runs an async handler for one job. Data that is not an event for this handler fails with an
   * {@link InvalidJobError} (not retried); the handler's own errors pass through untouched.
   */
  async invokeJob(handler: AsyncHandlerDefinition, data: unknown, attempt: JobAttempt): Promise<unknown> {
    const { event, envelope } = this.decodeJob(handler, data, attempt.jobId);
    return this.run(handler, event, contextOf(envelope, handler.id, 'async', attempt.attempt, attempt.maxAttempts));
  }

  /**
   * Runs a broadcast handler on a decoded event. Resolves with the handler's result, rejects with its error untouched
   * (the caller logs it: broadcasts are never retried).
   */
  invokeBroadcast(handler: BroadcastHandlerDefinition, event: object, envelope: EventEnvelope): Promise<unknown> {
    return this.run(handler, event, contextOf(envelope, handler.id, 'broadcast'));
  }

  /** Turns job data back into the event, checking it belongs to this handler. */
  decodeJob(
    handler: AsyncHandlerDefinition,
    data: unknown,
    jobId: string | undefined,
  ): { event: object; envelope: EventEnvelope } {
    const job = parseJobData(data, jobId);
    if (job.handler !== handler.id) {
      throw new InvalidJobError(
        jobId,
        `it is addressed to handler "${job.handler}" but sits in the queue of handler "${handler.id}"; ` +
          `jobs must be added through EventBus.publish`,
      );
    }
    const definition = handler.event;
    if (job.event !== definition.name) {
      throw new InvalidJobError(
        jobId,
        `its event "${job.event}" is not the event "${definition.name}" that handler "${handler.id}" subscribes to`,
      );
    }
    let fields: Record<string, unknown>;
    try {
      fields = this.codec.decodeFields({ json: job.payload, ...(job.types ? { meta: job.types } : {}) });
    } catch (error) {
      throw new InvalidJobError(jobId, `its payload cannot be decoded: ${(error as Error).message}`, { cause: error });
    }
    fields = upcast(definition, fields, job.version, jobId);
    const occurredAt = new Date(job.occurredAt);
    const envelope: EventEnvelope = {
      id: job.id,
      name: job.event,
      version: definition.version,
      occurredAt,
      correlationId: job.correlationId,
      causationId: job.causationId ?? undefined,
      partitionKey: job.partitionKey ?? undefined,
    };
    return { event: EventCodec.instantiate(definition, fields), envelope };
  }

  private async run(
    handler: SyncHandlerDefinition | AsyncHandlerDefinition | BroadcastHandlerDefinition,
    event: object,
    context: EventContext,
  ): Promise<unknown> {
    return await currentEventContext.run(context, () => handler.invoke(event, context));
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function upcast(
  definition: EventDefinition,
  fields: Record<string, unknown>,
  version: number,
  jobId: string | undefined,
): Record<string, unknown> {
  if (version === definition.version) return fields;
  if (version > definition.version) {
    throw new InvalidJobError(
      jobId,
      `its event "${definition.name}" has version ${version}, newer than version ${definition.version} known to ` +
        `this process; deploy the new event class to the consumers before the publishers`,
    );
  }
  return definition.upcast ? definition.upcast(fields, version) : fields;
}

function parseJobData(data: unknown, jobId: string | undefined): EventJobData {
  if (data instanceof UnreadableJobData) {
    const what = data.field === 'data' ? 'its data is' : `its ${data.field} field (read by the broker) is`;
    throw new InvalidJobError(jobId, `${what} not ${data.expected} (${data.error}): ${JSON.stringify(data.raw)}`);
  }
  if (data === null || typeof data !== 'object') {
    throw new InvalidJobError(jobId, `its data is ${data === null ? 'null' : typeof data}, not an event envelope`);
  }
  const job = data as Record<string, unknown>;
  const missing = (['event', 'id', 'occurredAt', 'correlationId', 'handler'] as const).filter(
    (key) => typeof job[key] !== 'string',
  );
  if (missing.length > 0 || !Number.isInteger(job.version) || !('payload' in job)) {
    const fields = [
      ...missing,
      ...(Number.isInteger(job.version) ? [] : ['version']),
      ...('payload' in job ? [] : ['payload']),
    ];
    throw new InvalidJobError(jobId, `its data is not an event envelope (missing or invalid: ${fields.join(', ')})`);
  }
  if (Number.isNaN(Date.parse(job.occurredAt as string))) {
    throw new InvalidJobError(jobId, `its occurredAt ${JSON.stringify(job.occurredAt)} is not a date`);
  }
  return data as EventJobData;
}
