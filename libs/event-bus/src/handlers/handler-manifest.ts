import { HandlerRegistry } from './handler-registry';

/**
 * One line per event, then one per handler: mode, id, queue, attempts, filter (broadcast handlers last, then the
 * @nestjs/event-emitter listeners the bridge reaches, `bridged`). Logged at boot.
 */
export function formatHandlerManifest(
  registry: HandlerRegistry,
  transport: string,
  role: string,
  bridged: ReadonlyMap<string, readonly string[]> = new Map(),
): string {
  const byEvent = new Map<string, string[]>();
  for (const handler of registry.handlers) {
    const lines = byEvent.get(handler.event.name) ?? [];
    byEvent.set(handler.event.name, lines);
    if (handler.kind === 'sync') {
      lines.push(`  sync  ${handler.id} (order ${handler.order})`);
    } else {
      const { attempts, backoff, priority, delay } = handler.delivery;
      const extras = [
        `queue=${handler.queue}`,
        `attempts=${attempts}`,
        `backoff=${backoff.type}:${backoff.delay}ms`,
        `concurrency=${handler.concurrency}`,
        ...(priority !== undefined ? [`priority=${priority}`] : []),
        ...(delay ? [`delay=${delay}ms`] : []),
        ...(handler.filter ? ['filtered'] : []),
        ...(handler.inbox ? ['inbox'] : []),
        ...(handler.partition
          ? [
              `lanes=${handler.partition.lanes} onExhausted=${handler.partition.onExhausted}${handler.partition.group === handler.id ? '' : ` group=${handler.partition.group}`} (queues {${handler.partition.group}.lane-0..${handler.partition.lanes - 1}})`,
            ]
          : []),
      ];
      lines.push(`  async ${handler.id} ${extras.join(' ')}`);
    }
  }
  for (const handler of registry.broadcastHandlers) {
    const lines = byEvent.get(handler.event.name) ?? [];
    byEvent.set(handler.event.name, lines);
    lines.push(`  broadcast ${handler.id} (every node, at most once)`);
  }
  let listenerCount = 0;
  for (const [event, locations] of bridged) {
    byEvent.get(event)?.push(...locations.map((location) => `  legacy ${location} (@nestjs/event-emitter, bridged)`));
    listenerCount += locations.length;
  }
  const count = registry.handlers.length + registry.broadcastHandlers.length;
  const legacy = listenerCount > 0 ? ` + ${listenerCount} bridged @nestjs/event-emitter listener(s)` : '';
  const header = `Event handlers (transport=${transport}, role=${role}): ${count} handler(s)${legacy} on ${byEvent.size} event(s)`;
  const body = [...byEvent].map(([event, lines]) => {
    const definition = registry.event(event);
    return [`${event} v${definition?.version ?? 1} (${definition?.target.name ?? '?'})`, ...lines].join('\n');
  });
  return [header, ...body].join('\n');
}
