import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ClsPluginTransactional, TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterDrizzleOrm } from '@nestjs-cls/transactional-adapter-drizzle-orm';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { sql, SQL } from 'drizzle-orm';
import { drizzle, NodePgDatabase } from 'drizzle-orm/node-postgres';
import { ClsModule } from 'nestjs-cls';
import {
  EventBusModule,
  EventBusModuleOptions,
  EventBusRole,
  EventWorkerOptions,
  InboxOptions,
  OutboxOptions,
  withEventBus,
} from 'nestjs-durable-bus';
import { InboxStore, OutboxStore } from 'nestjs-durable-bus/transport';
import { DrizzleInboxStore, DrizzleOutboxStore } from 'nestjs-durable-bus/drizzle';
import { TypeOrmInboxStore, TypeOrmOutboxStore } from 'nestjs-durable-bus/typeorm';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';

/*
 * The modules of a transactional app (no jest here: child processes import it too).
 */

/** The ORMs the transaction tests run with. */
export type Orm = 'typeorm' | 'drizzle';
export const ORMS: readonly Orm[] = ['typeorm', 'drizzle'];

/** The token of the Drizzle database (`drizzle(new Pool(…))`) when the ORM is Drizzle. */
export const DRIZZLE = Symbol('drizzle');
const ORM = Symbol('orm');

/** SQL through whatever `TransactionHost.tx` is now (the transaction, or the plain connection outside one). */
@Injectable()
export class Db {
  constructor(
    private readonly host: TransactionHost,
    @Inject(ORM) private readonly orm: Orm,
  ) {}

  /** Runs `fn` in a transaction (`TransactionHost.withTransaction`). */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.host.withTransaction(fn);
  }

  /** A nested transaction (a savepoint). */
  nested<T>(fn: () => Promise<T>): Promise<T> {
    return this.host.withTransaction('NESTED' as never, fn);
  }

  get inTransaction(): boolean {
    return this.host.isTransactionActive();
  }

  async query<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    const tx: unknown = this.host.tx;
    if (this.orm === 'typeorm') return (tx as DataSource['manager']).query<T[]>(text, params);
    const result = await (tx as NodePgDatabase).execute(withParams(text, params));
    return result.rows as T[];
  }
}

function withParams(text: string, params: unknown[]): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, match.index)), sql`${params[Number(match[1]) - 1]}`);
    last = match.index + match[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}

@Injectable()
class Closer implements OnApplicationShutdown {
  constructor(@Inject('close-orm') private readonly close: () => Promise<void>) {}
  onApplicationShutdown() {
    return this.close();
  }
}

/** The ORM connection, global: a TypeORM DataSource or a Drizzle node-postgres database. */
export function ormModule(orm: Orm, url: string, poolSize = 20): DynamicModule {
  const connection: Provider =
    orm === 'typeorm'
      ? {
          provide: DataSource,
          useFactory: () => new DataSource({ type: 'postgres', url, entities: [], poolSize }).initialize(),
        }
      : { provide: DRIZZLE, useFactory: () => drizzle(new Pool({ connectionString: url, max: poolSize })) };
  const token = orm === 'typeorm' ? DataSource : DRIZZLE;
  return {
    module: OrmModule,
    global: true,
    providers: [
      connection,
      { provide: ORM, useValue: orm },
      {
        provide: 'close-orm',
        inject: [token],
        useFactory: (value: DataSource | (NodePgDatabase & { $client: Pool })) => () =>
          value instanceof DataSource ? value.destroy() : value.$client.end(),
      },
      Closer,
    ],
    exports: [token, ORM],
  };
}

@Global()
@Module({})
class OrmModule {}

/** What a transactional app is made of. */
export interface TransactionalModuleOptions {
  readonly orm: Orm;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** The bus's Redis connection instead of `redisUrl` (a Redis Cluster's nodes). */
  readonly connection?: EventBusModuleOptions['connection'];
  readonly prefix: string;
  /** Outbox options besides the store; `false`: no outbox. */
  readonly outbox: false | Omit<OutboxOptions, 'store'>;
  readonly role?: EventBusRole;
  /** Connections in the ORM's pool. Default 20. */
  readonly poolSize?: number;
  /** Wraps the outbox store (to inject faults). */
  readonly wrapStore?: (store: OutboxStore) => OutboxStore;
  /** Inbox options besides the store and the TransactionHost; `false` or absent: no inbox. */
  readonly inbox?: false | Omit<InboxOptions, 'store' | 'transactionHost'>;
  /** Wraps the inbox store (to add hooks). */
  readonly wrapInbox?: (store: InboxStore) => InboxStore;
  /** Wraps the TransactionHost the inbox opens handler transactions with (to add hooks). */
  readonly wrapTransactionHost?: (host: TransactionHost) => InboxOptions['transactionHost'];
  /** Wrap the adapter in withEventBus. Default true (false: a misconfigured app). */
  readonly withEventBus?: boolean;
  readonly worker?: EventWorkerOptions;
}

/**
 * The imports of an app using nestjs-cls transactional with the ORM's adapter wrapped in `withEventBus`, and the bus
 * on Redis (with the ORM's outbox store when the outbox is on). Add `Db` and the handlers as providers.
 */
export function transactionalImports(options: TransactionalModuleOptions): DynamicModule[] {
  const { orm } = options;
  const adapter =
    orm === 'typeorm'
      ? new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource })
      : new TransactionalAdapterDrizzleOrm({ drizzleInstanceToken: DRIZZLE });
  const outboxStore = (connection: DataSource | NodePgDatabase): OutboxStore => {
    const store =
      connection instanceof DataSource
        ? new TypeOrmOutboxStore(connection)
        : new DrizzleOutboxStore(connection as NodePgDatabase & { $client: Pool });
    return options.wrapStore ? options.wrapStore(store) : store;
  };
  const inboxStore = (connection: DataSource | NodePgDatabase): InboxStore => {
    const store =
      connection instanceof DataSource
        ? new TypeOrmInboxStore(connection)
        : new DrizzleInboxStore(connection as NodePgDatabase & { $client: Pool });
    return options.wrapInbox ? options.wrapInbox(store) : store;
  };
  return [
    ormModule(orm, options.databaseUrl, options.poolSize),
    ClsModule.forRoot({
      global: true,
      plugins: [
        new ClsPluginTransactional({ adapter: options.withEventBus === false ? adapter : withEventBus(adapter) }),
      ],
    }),
    EventBusModule.forRootAsync({
      inject: [orm === 'typeorm' ? DataSource : DRIZZLE, TransactionHost],
      useFactory: (connection: DataSource | NodePgDatabase, transactionHost: TransactionHost) => ({
        connection: options.connection ?? options.redisUrl,
        prefix: options.prefix,
        logManifest: false,
        role: options.role ?? 'both',
        outbox: options.outbox ? { ...options.outbox, store: outboxStore(connection) } : undefined,
        ...(options.worker ? { worker: options.worker } : {}),
        inbox: options.inbox
          ? {
              ...options.inbox,
              store: inboxStore(connection),
              transactionHost: options.wrapTransactionHost?.(transactionHost) ?? transactionHost,
            }
          : undefined,
      }),
    }),
  ];
}
