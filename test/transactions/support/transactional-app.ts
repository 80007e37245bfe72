import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationShutdown,
  Provider,
  Type,
} from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { ClsPluginTransactional, TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterDrizzleOrm } from '@nestjs-cls/transactional-adapter-drizzle-orm';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { sql, SQL } from 'drizzle-orm';
import { drizzle, NodePgDatabase } from 'drizzle-orm/node-postgres';
import { ClsModule } from 'nestjs-cls';
import {
  EVENT_TRANSPORT,
  EventBus,
  EventBusModule,
  EventBusOutbox,
  EventBusRole,
  EventTransport,
  OutboxOptions,
  OutboxStore,
  withEventBus,
} from 'nestjs-durable-bus';
import { DrizzleOutboxStore } from 'nestjs-durable-bus/drizzle';
import { TypeOrmOutboxStore } from 'nestjs-durable-bus/typeorm';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { drainTransport } from '../../../libs/event-bus/testing/bus-drainer';
import { EventHandlersExplorer } from '../../../libs/event-bus/src/handlers/event-handlers.explorer';
import { freshPrefix, redisUrl } from '../../support/bus-app';

/** The ORMs the transaction tests run with. */
export type Orm = 'typeorm' | 'drizzle';
export const ORMS: readonly Orm[] = ['typeorm', 'drizzle'];

const DRIZZLE = Symbol('drizzle');
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
function ormModule(orm: Orm, url: string): DynamicModule {
  const connection: Provider =
    orm === 'typeorm'
      ? {
          provide: DataSource,
          useFactory: () => new DataSource({ type: 'postgres', url, entities: [], poolSize: 20 }).initialize(),
        }
      : { provide: DRIZZLE, useFactory: () => drizzle(new Pool({ connectionString: url, max: 20 })) };
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

export interface TransactionalAppOptions {
  readonly orm: Orm;
  readonly databaseUrl: string;
  /** Outbox options besides the store; `false`: no outbox. */
  readonly outbox: false | Omit<OutboxOptions, 'store'>;
  readonly providers?: Type[];
  readonly role?: EventBusRole;
  readonly prefix?: string;
}

export interface TransactionalApp {
  readonly app: TestingModule;
  readonly bus: EventBus;
  readonly db: Db;
  readonly outbox: EventBusOutbox;
  readonly prefix: string;
  /** Waits until every queue of the bus is idle. */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const open = new Set<TransactionalApp>();

/** A real Nest app: nestjs-cls transactional with the ORM's adapter wrapped in `withEventBus`, the bus on Redis. */
export async function createTransactionalApp(options: TransactionalAppOptions): Promise<TransactionalApp> {
  const { orm, databaseUrl } = options;
  const prefix = options.prefix ?? freshPrefix();
  const adapter =
    orm === 'typeorm'
      ? new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource })
      : new TransactionalAdapterDrizzleOrm({ drizzleInstanceToken: DRIZZLE });
  const outboxStore = (connection: DataSource | NodePgDatabase): OutboxStore =>
    connection instanceof DataSource
      ? new TypeOrmOutboxStore(connection)
      : new DrizzleOutboxStore(connection as NodePgDatabase & { $client: Pool });
  const moduleRef = await Test.createTestingModule({
    imports: [
      ormModule(orm, databaseUrl),
      ClsModule.forRoot({ global: true, plugins: [new ClsPluginTransactional({ adapter: withEventBus(adapter) })] }),
      EventBusModule.forRootAsync({
        inject: [orm === 'typeorm' ? DataSource : DRIZZLE],
        useFactory: (connection: DataSource | NodePgDatabase) => ({
          connection: redisUrl(),
          prefix,
          logManifest: false,
          role: options.role ?? 'both',
          outbox: options.outbox ? { ...options.outbox, store: outboxStore(connection) } : undefined,
        }),
      }),
    ],
    providers: [Db, ...(options.providers ?? [])],
  }).compile();
  await moduleRef.init();
  let closed = false;
  const handle: TransactionalApp = {
    app: moduleRef,
    bus: moduleRef.get(EventBus),
    db: moduleRef.get(Db),
    outbox: moduleRef.get(EventBusOutbox),
    prefix,
    drain: (timeoutMs = 20_000) =>
      drainTransport(
        moduleRef.get<EventTransport>(EVENT_TRANSPORT),
        moduleRef.get(EventHandlersExplorer).getRegistry(),
        { timeoutMs },
      ),
    close: async () => {
      if (closed) return;
      closed = true;
      open.delete(handle);
      await moduleRef.close();
    },
  };
  open.add(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all([...open].map((app) => app.close()));
});
