import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { BusEvent, EventBusConfigError, OnEventAsync, TransactionHostLike } from 'nestjs-durable-bus';
import { InboxStore } from 'nestjs-durable-bus/transport';
import { inboxMigrationSql } from 'nestjs-durable-bus/postgres';
import { resolveEventBusOptions } from '../../libs/event-bus/src/module/resolve-options';
import { DurableBusInboxMigration, TypeOrmInboxStore } from 'nestjs-durable-bus/typeorm';
import { DataSource } from 'typeorm';
import { createBusApp } from '../support/bus-app';
import { recordJobEvents } from '../support/job-events';
import { freshDatabase, query } from '../support/postgres';
import { createTransactionalApp, Db } from './support/transactional-app';

@BusEvent('inbox-config.invoice-sent')
class InvoiceSent {
  constructor(readonly invoiceId: string) {}
}

@Injectable()
class Reminders {
  constructor(private readonly db: Db) {}

  @OnEventAsync(InvoiceSent, { id: 'inbox-config.remind', inbox: true, attempts: 5, backoff: 10 })
  async remind(event: InvoiceSent) {
    await this.db.query('INSERT INTO reminders (invoice_id) VALUES ($1)', [event.invoiceId]);
  }
}

@Injectable()
class PlainReminders {
  @OnEventAsync(InvoiceSent, { id: 'inbox-config.plain', inbox: true })
  remind() {}
}

@Injectable()
class BadFlag {
  @OnEventAsync(InvoiceSent, { id: 'inbox-config.bad-flag', inbox: 'yes' as unknown as boolean })
  remind() {}
}

const store: InboxStore = { name: 'fake', claim: async () => true, prune: async () => 0 };
const transactionHost: TransactionHostLike = { withTransaction: (fn) => fn() };

test('inbox: true on a handler of a consuming app without the inbox option fails the boot, saying how to configure it', async () => {
  const boot = createBusApp({ providers: [PlainReminders] });
  await expect(boot).rejects.toThrow(EventBusConfigError);
  await expect(boot).rejects.toThrow(
    /@OnEventAsync on PlainReminders.remind: inbox: true .* the bus has no inbox configured\. Set the module's inbox option/,
  );
  // A publishing-only process never runs the handler: it boots.
  const publisher = await createBusApp({ providers: [PlainReminders], bus: { role: 'publisher' } });
  await publisher.close();
});

test('an inbox flag that is not a boolean is refused at boot', async () => {
  await expect(createBusApp({ providers: [BadFlag], bus: { inbox: { store, transactionHost } } })).rejects.toThrow(
    '@OnEventAsync on BadFlag.remind: inbox must be true or false, received "yes".',
  );
});

test('bad inbox options are refused, naming the option, what was received and what is expected', () => {
  const resolve = (inbox: object) => () => resolveEventBusOptions({ transport: 'in-memory', inbox: inbox as never });
  expect(resolve({ store: {}, transactionHost })).toThrow(
    'EventBus option "inbox.store" is invalid: expected an InboxStore (e.g. new TypeOrmInboxStore(dataSource)), received {}.',
  );
  expect(resolve({ store })).toThrow(
    /EventBus option "inbox\.transactionHost" is invalid: expected the app's TransactionHost from @nestjs-cls\/transactional, with its adapter wrapped in withEventBus .*received undefined\./,
  );
  expect(resolve({ store, transactionHost, retention: 0 })).toThrow(
    'EventBus option "inbox.retention" is invalid: expected a positive integer, received 0.',
  );
  expect(resolve({ store, transactionHost, pruneInterval: 1.5 })).toThrow(
    'EventBus option "inbox.pruneInterval" is invalid: expected a positive integer, received 1.5.',
  );
  expect(resolve({ store, transactionHost, prune: 'no' })).toThrow(
    'EventBus option "inbox.prune" is invalid: expected true or false, received no.',
  );
  expect(resolveEventBusOptions({ transport: 'in-memory', inbox: { store, transactionHost } }).inbox).toMatchObject({
    retention: 259_200_000,
    pruneInterval: 60_000,
    prune: true,
  });
});

test('an inbox table name that is not a plain identifier is refused', () => {
  expect(() => new TypeOrmInboxStore({} as DataSource, { table: 'Inbox; DROP TABLE x' })).toThrow(
    'Inbox table "Inbox; DROP TABLE x" is invalid: expected a lower-case identifier, optionally schema-qualified ' +
      '(letters, digits, "_"), e.g. "durable_bus_inbox" or "app.durable_bus_inbox".',
  );
});

test('a TransactionHost whose adapter is not wrapped in withEventBus fails the job at once with InboxTransactionError, writing nothing', async () => {
  const url = await freshDatabase(inboxMigrationSql(), 'CREATE TABLE reminders (invoice_id text NOT NULL)');
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    outbox: false,
    inbox: {},
    withEventBus: false,
    providers: [Reminders],
  });
  const events = await recordJobEvents(app.prefix, 'inbox-config.remind');
  await app.bus.publish(new InvoiceSent('i-1'));
  await events.until((v) => v.some((e) => e.event === 'failed'), 'the job to fail');
  expect(events.values.filter((e) => e.event === 'active')).toHaveLength(1); // not retried
  const failure = events.values.find((e) => e.event === 'failed')!;
  expect(failure.failedReason).toMatch(
    /^InboxTransactionError: Inbox of handler "inbox-config\.remind" \(event \w+\): the transaction opened through inbox\.transactionHost is not known to the bus.*Wrap the transactional adapter of that TransactionHost in withEventBus/,
  );
  expect(await query(url, 'SELECT count(*)::int AS n FROM reminders')).toEqual([{ n: 0 }]);
  expect(await query(url, 'SELECT count(*)::int AS n FROM durable_bus_inbox')).toEqual([{ n: 0 }]);
});

test('the migration shipped in the package is the one inboxMigrationSql() returns, and the package ships it', () => {
  const shipped = readFileSync(join(__dirname, '../../libs/event-bus/migrations/002_inbox.sql'), 'utf8');
  expect(shipped).toBe(inboxMigrationSql());
  const manifest = JSON.parse(readFileSync(join(__dirname, '../../libs/event-bus/package.json'), 'utf8')) as {
    files: string[];
    exports: Record<string, unknown>;
  };
  expect(manifest.files).toContain('migrations');
  expect(manifest.exports['./migrations/*']).toBe('./migrations/*');
});

test('DurableBusInboxMigration creates the inbox table in a TypeORM migration run, and reverts it', async () => {
  const url = await freshDatabase();
  const dataSource = await new DataSource({
    type: 'postgres',
    url,
    migrations: [DurableBusInboxMigration],
  }).initialize();
  try {
    await dataSource.runMigrations();
    const exists = () =>
      query<{ t: string | null }>(url, `SELECT to_regclass('durable_bus_inbox')::text AS t`).then((r) => r[0]!.t);
    expect(await exists()).toBe('durable_bus_inbox');
    await dataSource.undoLastMigration();
    expect(await exists()).toBeNull();
  } finally {
    await dataSource.destroy();
  }
});
