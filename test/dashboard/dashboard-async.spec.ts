import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventBusConfigError, EventBusModule } from 'nestjs-durable-bus';
import {
  EventBusDashboardAsyncOptions,
  EventBusDashboardModule,
  EventBusDashboardOptions,
} from 'nestjs-durable-bus/dashboard';
import { freshPrefix, redisUrl } from '../support/bus-app';
import { basicAuth, CREDENTIALS, EXPECTED_QUEUES, ShopHandlers } from './dashboard-app';

/** Stands for the app's ConfigService: the credentials come from a provider of another module. */
@Injectable()
class BoardConfig {
  readonly route = '/ops/board';
  readonly username = CREDENTIALS.username;
  readonly password = CREDENTIALS.password;
}

@Module({ providers: [BoardConfig], exports: [BoardConfig] })
class BoardConfigModule {}

@Injectable()
class BoardOptionsFactory {
  constructor(private readonly config: BoardConfig) {}

  create(): EventBusDashboardOptions {
    return { route: this.config.route, auth: { username: this.config.username, password: this.config.password } };
  }
}

const apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(dashboard: EventBusDashboardAsyncOptions): Promise<string> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventBusModule.forRoot({ connection: redisUrl(), prefix: freshPrefix(), role: 'publisher', logManifest: false }),
      EventBusDashboardModule.forRootAsync(dashboard),
    ],
    providers: [ShopHandlers],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
}

async function queueNames(url: string): Promise<string[]> {
  const response = await fetch(`${url}/api/queues?activeQueue=&status=waiting`, {
    headers: { authorization: basicAuth(CREDENTIALS.username, CREDENTIALS.password) },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { queues: { name: string }[] }).queues.map((queue) => queue.name).sort();
}

describe('EventBusDashboardModule.forRootAsync', () => {
  it('mounts the board with options a factory made from injected config, auth enforced', async () => {
    const url = await start({
      imports: [BoardConfigModule],
      inject: [BoardConfig],
      useFactory: (config: BoardConfig) => ({
        route: config.route,
        auth: { username: config.username, password: config.password },
      }),
    });

    expect((await fetch(`${url}/ops/board/api/queues`)).status).toBe(401);
    expect(await queueNames(`${url}/ops/board`)).toEqual([...EXPECTED_QUEUES].sort());
    expect((await fetch(`${url}/queues/api/queues`)).status).toBe(404);
  });

  it('takes a useClass or useExisting options factory', async () => {
    const byClass = await start({ imports: [BoardConfigModule], useClass: BoardOptionsFactory });
    expect(await queueNames(`${byClass}/ops/board`)).toEqual([...EXPECTED_QUEUES].sort());

    @Module({ imports: [BoardConfigModule], providers: [BoardOptionsFactory], exports: [BoardOptionsFactory] })
    class FactoryModule {}
    const existing = await start({ imports: [FactoryModule], useExisting: BoardOptionsFactory });
    expect(await queueNames(`${existing}/ops/board`)).toEqual([...EXPECTED_QUEUES].sort());
  });

  it('checks what the factory returned, with the same errors as forRoot', async () => {
    const started = start({ useFactory: () => ({ route: '/queues' }) as EventBusDashboardOptions });

    await expect(started).rejects.toThrow(EventBusConfigError);
    await expect(start({ useFactory: () => ({ route: '/queues' }) as EventBusDashboardOptions })).rejects.toThrow(
      'EventBusDashboardModule.forRootAsync: the dashboard requires auth',
    );
  });
});
