import { Controller, Get, Injectable, INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { BusEvent, EventBus, EventBusConfigError, EventBusModule, OnEventAsync } from 'nestjs-durable-bus';
import { EventBusHealthIndicator, resolveHealthOptions } from 'nestjs-durable-bus/terminus';
import { startRedisServer, RedisServer } from '../../tools/local-redis';
import { freshPrefix, redisUrl } from '../support/bus-app';
import { freshDatabase } from '../support/postgres';
import { Db, transactionalImports } from '../transactions/support/transactional-module';

@BusEvent('health.parcel-sent')
class ParcelSent {
  constructor(readonly parcelId: string) {}
}

@Injectable()
class Tracking {
  @OnEventAsync(ParcelSent, { id: 'health.track' })
  track(): void {}
}

@Controller()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly bus: EventBusHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.bus.isHealthy('eventBus')]);
  }
}

let redis: RedisServer | undefined;
let app: INestApplication | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  await redis?.stop();
  redis = undefined;
});

describe('EventBusHealthIndicator (nestjs-durable-bus/terminus)', () => {
  it('GET /health is up on a running bus, and down with the reason once Redis is stopped', async () => {
    redis = await startRedisServer();
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot({ connection: redis.url, prefix: freshPrefix(), logManifest: false }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController],
      providers: [Tracking, EventBusHealthIndicator],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const url = `${await app.getUrl()}/health`.replace('[::1]', '127.0.0.1');

    const up = await fetch(url);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({
      status: 'ok',
      info: {
        eventBus: {
          status: 'up',
          transport: 'bullmq',
          broker: 'up',
          role: 'both',
          consumers: { running: 1, started: 1 },
          parkedKeys: 0,
        },
      },
    });

    await redis.kill();
    redis = undefined;
    const down = await fetch(url);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { error: { eventBus: { status: string; broker: string; reason: string } } };
    expect(body.error.eventBus).toMatchObject({ status: 'down', broker: 'down' });
    expect(body.error.eventBus.reason).toMatch(
      /^the broker \(bullmq\) is unreachable: Redis (is not connected|did not answer)/,
    );
  }, 30_000);

  it('is down when the outbox backlog or its oldest row passes its threshold, naming both', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ...transactionalImports({
          orm: 'typeorm',
          databaseUrl: await freshDatabase(),
          redisUrl: redisUrl(),
          prefix: freshPrefix(),
          outbox: { relay: false },
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      providers: [Db, Tracking, EventBusHealthIndicator],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const indicator = app.get(EventBusHealthIndicator);
    expect(await indicator.isHealthy('bus')).toMatchObject({ bus: { status: 'up', outbox: { backlog: 0 } } });

    await app.get(Db).transaction(() => app!.get(EventBus).publish(new ParcelSent('p-1')));
    const result = await indicator.isHealthy('bus', { maxOutboxBacklog: 0, maxOutboxAge: 0 });
    expect(result.bus).toMatchObject({ status: 'down', outbox: { backlog: 1 } });
    expect(result.bus.reason).toMatch(
      /^the outbox holds 1 rows not relayed, more than 0; the oldest outbox row waits for \d+ ms, longer than 0 ms \(is a relay running\?\)$/,
    );
  }, 30_000);

  it('refuses bad thresholds with an error naming the option', () => {
    expect(() => resolveHealthOptions({ maxOutboxAge: -1 })).toThrow(EventBusConfigError);
    expect(() => resolveHealthOptions({ maxOutboxAge: -1 })).toThrow(
      'EventBusHealthIndicator option "maxOutboxAge" is invalid: expected a number ≥ 0, received -1.',
    );
  });
});
