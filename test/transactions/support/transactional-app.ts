import { LoggerService, Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { EventBus, EventBusInbox, EventBusOutbox } from 'nestjs-durable-bus';
import { EVENT_TRANSPORT, EventTransport } from 'nestjs-durable-bus/transport';
import { EventHandlersExplorer } from '../../../libs/event-bus/src/handlers/event-handlers.explorer';
import { drainTransport } from '../../../libs/event-bus/testing/bus-drainer';
import { freshPrefix, redisUrl } from '../../support/bus-app';
import { Db, TransactionalModuleOptions, transactionalImports } from './transactional-module';

export { Db, DRIZZLE, ORMS } from './transactional-module';
export type { Orm } from './transactional-module';

export type TransactionalAppOptions = Omit<TransactionalModuleOptions, 'redisUrl' | 'prefix'> & {
  readonly providers?: Type[];
  readonly prefix?: string;
  /** The bus's Redis (default: the one the global setup started), e.g. with a user of its own. */
  readonly redisUrl?: string;
  /** Receives the app's log lines (the relay's warnings). */
  readonly logger?: LoggerService;
};

export interface TransactionalApp {
  readonly app: TestingModule;
  readonly bus: EventBus;
  readonly db: Db;
  readonly outbox: EventBusOutbox;
  readonly inbox: EventBusInbox;
  readonly prefix: string;
  /** Waits until every queue of the bus is idle. */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const open = new Set<TransactionalApp>();

/** A real Nest app from {@link transactionalImports}, closed after the test. */
export async function createTransactionalApp(options: TransactionalAppOptions): Promise<TransactionalApp> {
  const prefix = options.prefix ?? freshPrefix();
  const moduleRef = await Test.createTestingModule({
    imports: transactionalImports({ ...options, prefix, redisUrl: options.redisUrl ?? redisUrl() }),
    providers: [Db, ...(options.providers ?? [])],
  }).compile();
  if (options.logger) moduleRef.useLogger(options.logger);
  await moduleRef.init();
  let closed = false;
  const handle: TransactionalApp = {
    app: moduleRef,
    bus: moduleRef.get(EventBus),
    db: moduleRef.get(Db),
    outbox: moduleRef.get(EventBusOutbox),
    inbox: moduleRef.get(EventBusInbox),
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
