import type { EventBusRole } from '../contracts/event-bus-options';
import { BackoffOptions, ExhaustedPolicy } from '../contracts/delivery';
import { HandlerRegistry } from './handler-registry';

/** One discovered handler, as the manifest describes it. */
export interface ManifestHandler {
  readonly id: string;
  readonly mode: 'sync' | 'async' | 'broadcast';
  /** `ClassName.methodName`. */
  readonly location: string;
  /** Sync handlers: the order they run in (lower first). */
  readonly order?: number;
  /** Async handlers: the queue of events without a partition key, and how jobs are delivered. */
  readonly queue?: string;
  readonly attempts?: number;
  readonly backoff?: BackoffOptions;
  readonly concurrency?: number;
  readonly priority?: number;
  readonly delay?: number;
  readonly filtered?: boolean;
  /** Runs through the transactional inbox (`{ inbox: true }`). */
  readonly inbox?: boolean;
  /** Async handlers whose events carry a partition key: their lanes. */
  readonly lanes?: {
    readonly count: number;
    /** The lane group (the handler's id unless it joined a named one). */
    readonly group: string;
    readonly onExhausted: ExhaustedPolicy;
    /** Lane queue names, index = lane number. */
    readonly queues: readonly string[];
  };
}

/** One event with the handlers this app has for it. */
export interface ManifestEvent {
  /** Wire name. */
  readonly name: string;
  readonly version: number;
  /** The event class's name. */
  readonly className: string;
  /** Sync and async handlers in registry order, then broadcast handlers. */
  readonly handlers: readonly ManifestHandler[];
  /** `@nestjs/event-emitter` listeners the bridge reaches (`ClassName.methodName`). */
  readonly bridgedListeners: readonly string[];
}

/** What the bus discovered in this app: read-only data for logs, tools and tests. */
export interface HandlerManifest {
  readonly transport: string;
  readonly role: EventBusRole;
  /** Events with a handler or a bridged listener, in the order their first handler was discovered. */
  readonly events: readonly ManifestEvent[];
}

/** Builds the manifest from the registry (and the listeners the @nestjs/event-emitter bridge reaches). */
export function buildHandlerManifest(
  registry: HandlerRegistry,
  transport: string,
  role: EventBusRole,
  bridged: ReadonlyMap<string, readonly string[]> = new Map(),
): HandlerManifest {
  const byEvent = new Map<string, ManifestHandler[]>();
  const add = (event: string, handler: ManifestHandler) => {
    const handlers = byEvent.get(event) ?? [];
    byEvent.set(event, handlers);
    handlers.push(handler);
  };
  for (const handler of registry.handlers) {
    const base = { id: handler.id, location: handler.location };
    if (handler.kind === 'sync') {
      add(handler.event.name, { ...base, mode: 'sync', order: handler.order });
      continue;
    }
    const { attempts, backoff, priority, delay } = handler.delivery;
    const partition = handler.partition;
    add(handler.event.name, {
      ...base,
      mode: 'async',
      queue: handler.queue,
      attempts,
      backoff,
      concurrency: handler.concurrency,
      ...(priority !== undefined ? { priority } : {}),
      ...(delay ? { delay } : {}),
      filtered: handler.filter !== undefined,
      inbox: handler.inbox === true,
      ...(partition
        ? {
            lanes: {
              count: partition.lanes,
              group: partition.group,
              onExhausted: partition.onExhausted,
              queues: partition.laneQueues,
            },
          }
        : {}),
    });
  }
  for (const handler of registry.broadcastHandlers) {
    add(handler.event.name, { id: handler.id, location: handler.location, mode: 'broadcast' });
  }
  for (const name of bridged.keys()) if (!byEvent.has(name)) byEvent.set(name, []); // reached by listeners only
  const events = [...byEvent].map(([name, handlers]): ManifestEvent => {
    const definition = registry.event(name);
    return {
      name,
      version: definition?.version ?? 1,
      className: definition?.target.name ?? '?',
      handlers,
      bridgedListeners: bridged.get(name) ?? [],
    };
  });
  return deepFreeze({ transport, role, events });
}

/**
 * One line per event, then one per handler: mode, id, queue, attempts, filter (broadcast handlers last, then the
 * @nestjs/event-emitter listeners the bridge reaches, `bridged`). Logged at boot.
 */
export function formatHandlerManifest(manifest: HandlerManifest): string {
  let handlerCount = 0;
  let listenerCount = 0;
  const body = manifest.events.map((event) => {
    handlerCount += event.handlers.length;
    listenerCount += event.bridgedListeners.length;
    return [
      `${event.name} v${event.version} (${event.className})`,
      ...event.handlers.map(formatHandler),
      ...event.bridgedListeners.map((location) => `  legacy ${location} (@nestjs/event-emitter, bridged)`),
    ].join('\n');
  });
  const legacy = listenerCount > 0 ? ` + ${listenerCount} bridged @nestjs/event-emitter listener(s)` : '';
  const header =
    `Event handlers (transport=${manifest.transport}, role=${manifest.role}): ${handlerCount} handler(s)${legacy} ` +
    `on ${manifest.events.length} event(s)`;
  return [header, ...body].join('\n');
}

function formatHandler(handler: ManifestHandler): string {
  if (handler.mode === 'sync') return `  sync  ${handler.id} (order ${handler.order})`;
  if (handler.mode === 'broadcast') return `  broadcast ${handler.id} (every node, at most once)`;
  const lanes = handler.lanes;
  const extras = [
    `queue=${handler.queue}`,
    `attempts=${handler.attempts}`,
    `backoff=${handler.backoff!.type}:${handler.backoff!.delay}ms`,
    `concurrency=${handler.concurrency}`,
    ...(handler.priority !== undefined ? [`priority=${handler.priority}`] : []),
    ...(handler.delay ? [`delay=${handler.delay}ms`] : []),
    ...(handler.filtered ? ['filtered'] : []),
    ...(handler.inbox ? ['inbox'] : []),
    ...(lanes
      ? [
          `lanes=${lanes.count} onExhausted=${lanes.onExhausted}${lanes.group === handler.id ? '' : ` group=${lanes.group}`} (queues {${lanes.group}.lane-0..${lanes.count - 1}})`,
        ]
      : []),
  ];
  return `  async ${handler.id} ${extras.join(' ')}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}
