// One-off: imports from 'nestjs-durable-bus' of names it no longer exports go to the entry point (or, for tests of
// internals, the source file) that has them.
const fs = require('fs'),
  path = require('path'),
  { execSync } = require('child_process');
const root = process.cwd();
const homes = {
  '/transport': [
    'EVENT_TRANSPORT',
    'UnreadableJobData',
    'ConsumerSpec',
    'DeliveryOptions',
    'EventTransport',
    'JobAttempt',
    'JobProcessor',
    'LaneGroup',
    'LaneSpec',
    'OutgoingJob',
    'PendingJobs',
    'EncodedPayload',
    'EventEnvelope',
    'EventJobData',
    'jobIdOf',
    'laneOf',
    'laneQueueName',
    'BroadcastChannel',
    'BroadcastMessage',
    'ClaimedBatch',
    'OutboxInsertOptions',
    'OutboxRow',
    'OutboxStore',
    'InboxStore',
    'InMemoryTransport',
    'InMemoryJob',
  ],
  '/postgres': [
    'PostgresOutboxStore',
    'PostgresOutboxOptions',
    'TransactionQuery',
    'PgClientLike',
    'PgOwnClientLike',
    'PgPoolLike',
    'PgResult',
    'PostgresInboxStore',
    'PostgresInboxOptions',
    'DEFAULT_OUTBOX_TABLE',
    'outboxMigrationSql',
    'DEFAULT_INBOX_TABLE',
    'inboxMigrationSql',
  ],
  'src:module/resolve-options': ['resolveEventBusOptions'],
  'src:contracts/event-bus-options': ['ResolvedEventBusOptions'],
  'src:contracts/tokens': ['RESOLVED_EVENT_BUS_OPTIONS', 'EVENT_CODEC'],
  'src:codec/event-codec': ['EventCodec'],
  'src:events/bus-event.decorator': ['getEventDefinition', 'EventDefinition'],
  'src:outbox/outbox-relay': ['OutboxRelay'],
};
const where = {};
for (const [h, names] of Object.entries(homes)) for (const n of names) where[n] = h;
const files = execSync("git ls-files 'test/*.ts' 'bench/*.ts' 'apps/*.ts' 'tools/*.ts'", { encoding: 'utf8' })
  .trim()
  .split('\n');
let changed = 0;
for (const file of files) {
  const src = fs.readFileSync(file, 'utf8');
  const out = src.replace(
    /^(import|export)( type)? \{([^}]*)\} from 'nestjs-durable-bus';\n/gm,
    (m, kw, typeAll, names) => {
      const keep = [],
        moved = new Map();
      for (const raw of names
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const bare = raw
          .replace(/^type /, '')
          .split(' as ')[0]
          .trim();
        const home = where[bare];
        if (!home) {
          keep.push(raw);
          continue;
        }
        let spec = home.startsWith('/')
          ? 'nestjs-durable-bus' + home
          : path.relative(path.dirname(file), path.join('libs/event-bus/src', home.slice(4)));
        if (!spec.startsWith('.') && !spec.startsWith('nestjs')) spec = './' + spec;
        if (!moved.has(spec)) moved.set(spec, []);
        moved.get(spec).push(raw);
      }
      if (moved.size === 0) return m;
      let res = keep.length ? `${kw}${typeAll ?? ''} { ${keep.join(', ')} } from 'nestjs-durable-bus';\n` : '';
      for (const [spec, list] of moved) res += `${kw}${typeAll ?? ''} { ${list.join(', ')} } from '${spec}';\n`;
      return res;
    },
  );
  if (out !== src) {
    fs.writeFileSync(file, out);
    changed++;
  }
}
console.log('rewrote', changed);
