import { EventBusConfigError } from '../errors';
import {
  assertLaneCount,
  assertNonNegativeInteger,
  assertPositiveInteger,
  fail,
  normalizeBackoff,
} from '../contracts/option-checks';
import { OutboxDefaults } from '../contracts/outbox-options';
import { InboxDefaults } from '../contracts/inbox-options';
import { EventBusModuleOptions, ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { EventBusModuleDefaults } from './event-bus-defaults';
import { clusterSettingProblem } from '../contracts/redis-connection-setting';

/**
 * Applies {@link EventBusModuleDefaults} and checks every value, throwing an {@link EventBusConfigError} that names
 * the option, what it got and what it expects. Pure and exported, so the merge can be unit-tested and reused.
 */
export function resolveEventBusOptions(options: EventBusModuleOptions = {}): ResolvedEventBusOptions {
  const defaults = new EventBusModuleDefaults();
  const resolved: ResolvedEventBusOptions = {
    ...defaults,
    ...stripUndefined(options),
    connection: options.connection,
    worker: { ...defaults.worker, ...options.worker },
    telemetry: { ...defaults.telemetry, ...stripUndefined(options.telemetry ?? {}) },
    defaultJobOptions: { ...defaults.defaultJobOptions, ...stripUndefined(options.defaultJobOptions ?? {}) },
    outbox: options.outbox
      ? { ...OutboxDefaults, ...stripUndefined(options.outbox), store: options.outbox.store }
      : undefined,
    inbox: options.inbox
      ? {
          ...InboxDefaults,
          ...stripUndefined(options.inbox),
          store: options.inbox.store,
          transactionHost: options.inbox.transactionHost,
        }
      : undefined,
  };
  const transport = resolved.transport;
  if (transport !== 'bullmq' && transport !== 'in-memory' && typeof transport !== 'object') {
    fail('transport', transport, `'bullmq', 'in-memory' or an EventTransport object`);
  }
  if (transport === 'bullmq' && resolved.connection === undefined) {
    throw new EventBusConfigError(
      `EventBusModule.forRoot: no Redis connection, and the default transport (BullMQ) needs one. Either give ` +
        `connection (a Redis URL such as 'redis://localhost:6379', ioredis options or an ioredis instance), or set ` +
        `transport: 'in-memory' to run async handlers in this process without Redis (development, seeds, tests; ` +
        `nothing survives a restart).`,
    );
  }
  const clusterNodes = clusterSettingProblem(resolved.connection);
  if (clusterNodes !== undefined) {
    fail(
      'connection.cluster.nodes',
      clusterNodes,
      `a non-empty array of seed nodes ('redis://host:port' or { host, port })`,
    );
  }
  if (typeof resolved.prefix !== 'string' || !/^[A-Za-z0-9_.{}-]+$/.test(resolved.prefix)) {
    fail('prefix', resolved.prefix, 'a non-empty string of letters, digits, ".", "_", "-", "{", "}" (no ":")');
  }
  if (!['publisher', 'consumer', 'both'].includes(resolved.role)) {
    fail('role', resolved.role, `'publisher', 'consumer' or 'both'`);
  }
  if (resolved.broadcast !== 'handled' && resolved.broadcast !== 'all') {
    fail('broadcast', resolved.broadcast, `'handled' or 'all'`);
  }
  assertPositiveInteger('concurrency', resolved.concurrency);
  assertLaneCount('lanes', resolved.lanes);
  assertNonNegativeInteger('shutdownTimeout', resolved.shutdownTimeout);
  assertPositiveInteger('publishTimeout', resolved.publishTimeout);
  assertPositiveInteger('maxPendingPublishes', resolved.maxPendingPublishes);
  assertPositiveInteger('maxPayloadBytes', resolved.maxPayloadBytes);
  assertPositiveInteger('maxChainDepth', resolved.maxChainDepth);
  if (!Array.isArray(resolved.interceptors)) fail('interceptors', resolved.interceptors, 'an array');
  resolved.interceptors.forEach((interceptor, index) => {
    const usable =
      typeof interceptor === 'function' ||
      (interceptor !== null && typeof (interceptor as { intercept?: unknown })?.intercept === 'function');
    if (!usable)
      fail(`interceptors[${index}]`, interceptor, 'a HandlerInterceptor (an object with intercept()) or its class');
  });
  for (const part of ['tracing', 'metrics'] as const) {
    if (typeof resolved.telemetry[part] !== 'boolean')
      fail(`telemetry.${part}`, resolved.telemetry[part], 'true or false');
  }
  assertPositiveInteger('defaultJobOptions.attempts', resolved.defaultJobOptions.attempts);
  normalizeBackoff('defaultJobOptions.backoff', resolved.defaultJobOptions.backoff);
  const outbox = resolved.outbox;
  if (outbox) {
    const store = outbox.store as unknown;
    if (store === null || typeof store !== 'object' || typeof (store as { claim?: unknown }).claim !== 'function') {
      fail('outbox.store', store, 'an OutboxStore (e.g. new TypeOrmOutboxStore(dataSource))');
    }
    assertPositiveInteger('outbox.batchSize', outbox.batchSize);
    assertPositiveInteger('outbox.pollInterval', outbox.pollInterval);
    assertNonNegativeInteger('outbox.retention', outbox.retention);
    assertPositiveInteger('outbox.pruneInterval', outbox.pruneInterval);
  }
  const inbox = resolved.inbox;
  if (inbox) {
    const store = inbox.store as unknown;
    if (store === null || typeof store !== 'object' || typeof (store as { claim?: unknown }).claim !== 'function') {
      fail('inbox.store', store, 'an InboxStore (e.g. new TypeOrmInboxStore(dataSource))');
    }
    const host = inbox.transactionHost as unknown;
    if (
      host === null ||
      typeof host !== 'object' ||
      typeof (host as { withTransaction?: unknown }).withTransaction !== 'function'
    ) {
      fail(
        'inbox.transactionHost',
        host,
        `the app's TransactionHost from @nestjs-cls/transactional, with its adapter wrapped in withEventBus ` +
          `(forRootAsync({ inject: [DataSource, TransactionHost], useFactory: (dataSource, transactionHost) => ` +
          `({ inbox: { store, transactionHost } }) }))`,
      );
    }
    assertPositiveInteger('inbox.retention', inbox.retention);
    assertPositiveInteger('inbox.pruneInterval', inbox.pruneInterval);
    if (typeof inbox.prune !== 'boolean') fail('inbox.prune', inbox.prune, 'true or false');
  }
  return resolved;
}

function stripUndefined<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
