import { randomBytes } from 'node:crypto';
import {
  DynamicModule,
  ForwardReference,
  INestApplicationContext,
  LoggerService,
  Provider,
  Type,
} from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { EventBus, EventBusModule, EventBusModuleOptions } from 'nestjs-durable-bus';
import { Recorder } from './deferred';

/** The Redis URL the global setup provided. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests through jest (test/support/global-setup.ts).');
  return url;
}

/** A key prefix no other test uses. */
export function freshPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

type Import = Type | DynamicModule | Promise<DynamicModule> | ForwardReference;

export interface BusAppOptions {
  readonly providers?: Provider[];
  readonly imports?: Import[];
  readonly bus?: EventBusModuleOptions;
  /** Receives the app's log lines (the manifest, warnings). */
  readonly logger?: LoggerService;
  /** Reuse a prefix (two apps sharing queues). Default: a fresh one. */
  readonly prefix?: string;
}

export interface BusApp {
  readonly app: TestingModule;
  readonly bus: EventBus;
  readonly prefix: string;
  get<T>(type: Type<T> | string | symbol): T;
  /** A BullMQ Queue handle on one of this bus's queues (closed by `close`). */
  queue(name: string): Queue;
  close(): Promise<void>;
}

const openApps = new Set<BusApp>();
const openClients = new Set<{ quit(): Promise<unknown> }>();

/** Builds and initialises a real Nest application with the bus on real Redis, under a fresh prefix. */
export async function createBusApp(options: BusAppOptions = {}): Promise<BusApp> {
  const prefix = options.prefix ?? freshPrefix();
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventBusModule.forRoot({ connection: redisUrl(), prefix, logManifest: false, ...options.bus }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  }).compile();
  if (options.logger) moduleRef.useLogger(options.logger);
  try {
    await moduleRef.init();
  } catch (error) {
    // A boot refused in onModuleInit has already opened connections: close them, or jest never exits.
    await moduleRef.close().catch(() => undefined);
    throw error;
  }
  const queues = new Map<string, Queue>();
  let closed = false;
  const busApp: BusApp = {
    app: moduleRef,
    bus: moduleRef.get(EventBus),
    prefix,
    get: (type) => moduleRef.get(type),
    queue: (name) => {
      let queue = queues.get(name);
      if (!queue) queues.set(name, (queue = new Queue(name, { connection: { url: redisUrl() }, prefix })));
      return queue;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      openApps.delete(busApp);
      await moduleRef.close();
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
  openApps.add(busApp);
  return busApp;
}

/** A logger that keeps what it is given, for assertions on log output. */
export class MemoryLogger implements LoggerService {
  private readonly recorder = new Recorder<{ level: string; message: string; context?: string }>();
  readonly lines = this.recorder.values;
  log(message: unknown, context?: string) {
    this.recorder.push({ level: 'log', message: String(message), context });
  }
  warn(message: unknown, context?: string) {
    this.recorder.push({ level: 'warn', message: String(message), context });
  }
  error(message: unknown, context?: string) {
    this.recorder.push({ level: 'error', message: String(message), context });
  }
  debug() {}
  verbose() {}
  /** Waits (bounded) for a line containing `text`. */
  async logged(text: string, ms = 10_000): Promise<void> {
    await this.recorder.until((lines) => lines.some((line) => line.message.includes(text)), `log line "${text}"`, ms);
  }
}

/** A plain Redis client for assertions, closed after the test. */
export function redisClient(): Redis {
  const client = new Redis(redisUrl());
  openClients.add(client);
  return client;
}

/** Keys under a prefix (for "nothing was written" assertions). */
export async function keysUnder(prefix: string): Promise<string[]> {
  const client = redisClient();
  return client.keys(`${prefix}:*`);
}

afterEach(async () => {
  await Promise.all([...openApps].map((app) => app.close()));
  await Promise.all([...openClients].map((client) => client.quit()));
  openClients.clear();
});

export type { INestApplicationContext };
