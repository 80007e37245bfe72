import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventCodec } from '../codec/event-codec';
import { EventBusConfigError, InvalidJobError, SyncHandlerError } from '../errors';
import { EventEnvelope, EventJobData } from '../contracts/event-envelope';
import {
  AsyncHandlerDefinition,
  BroadcastHandlerDefinition,
  HandlerDefinition,
  SyncHandlerDefinition,
} from '../handlers/handler-definition';
import { JobAttempt, UnreadableJobData } from '../contracts/event-transport';
import type { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { BUILT_IN_INTERCEPTORS, EVENT_CODEC, RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';
import { INBOX_GATE, InboxGate } from '../contracts/inbox-gate';
import { contextOf, currentEventContext } from './event-context';
import { EventContext } from '../contracts/event-context';
import { decodeEventData, UndecodableEventData } from './event-decoding';
import { intercepted } from './handler-interceptor';
import { HandlerInterceptor } from '../contracts/handler-interceptor';

/**
 * The one place every handler call goes through, sync or async, in production and in tests: it builds the
 * handler's context, runs the handler inside it (so follow-up publishes get causation and correlation), and turns
 * failures into the errors the bus promises.
 */
@Injectable()
export class HandlerInvoker implements OnModuleInit {
  private interceptors: readonly HandlerInterceptor[] = [];

  constructor(
    @Inject(EVENT_CODEC) private readonly codec: EventCodec,
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
    private readonly moduleRef: ModuleRef,
    @Inject(INBOX_GATE) private readonly inbox: InboxGate,
    @Inject(BUILT_IN_INTERCEPTORS) private readonly builtIn: readonly HandlerInterceptor[],
  ) {}

  /** Resolves the `interceptors` option: instances as given, classes from the app's providers. */
  onModuleInit(): void {
    const resolved: HandlerInterceptor[] = [];
    for (const interceptor of this.options.interceptors) {
      if (typeof interceptor !== 'function') {
        resolved.push(interceptor);
        continue;
      }
      try {
        resolved.push(this.moduleRef.get(interceptor, { strict: false }));
      } catch (error) {
        throw new EventBusConfigError(
          `EventBusModule: the interceptor ${interceptor.name} is not a provider of this app. Interceptors given by ` +
            `class are taken from the app's providers (so they get their dependencies injected): add ` +
            `${interceptor.name} to the providers of a module, or pass an instance.`,
          { cause: error },
        );
      }
    }
    this.interceptors = [...this.builtIn, ...resolved]; // the bus's own (tracing, metrics, when on) outermost
  }

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
      result = currentEventContext.run(context, () =>
        this.interceptors.length === 0 ? handler.invoke(event, context) : this.intercept(handler, event, context),
      );
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
    const context = contextOf(envelope, handler.id, 'async', attempt.attempt, attempt.maxAttempts);
    if (!handler.inbox) return this.run(handler, event, context);
    // The whole transaction runs in the handler's context (hooks around it, such as a TransactionHost wrapper, see it).
    return currentEventContext.run(context, () =>
      this.inbox.run(context, attempt.jobId, () => this.run(handler, event, context)),
    );
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
    try {
      return decodeEventData(this.codec, definition, job);
    } catch (error) {
      if (!(error instanceof UndecodableEventData)) throw error;
      throw new InvalidJobError(jobId, error.message, { cause: error.cause });
    }
  }

  private async run(
    handler: SyncHandlerDefinition | AsyncHandlerDefinition | BroadcastHandlerDefinition,
    event: object,
    context: EventContext,
  ): Promise<unknown> {
    if (this.interceptors.length === 0) {
      return await currentEventContext.run(context, () => handler.invoke(event, context));
    }
    return await currentEventContext.run(context, () => this.intercept(handler, event, context));
  }

  private intercept(
    handler: HandlerDefinition | BroadcastHandlerDefinition,
    event: object,
    context: EventContext,
  ): Promise<unknown> {
    const info = { id: handler.id, location: handler.location, mode: context.mode };
    return intercepted(this.interceptors, event, context, info, () => handler.invoke(event, context));
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
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
