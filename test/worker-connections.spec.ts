import { Injectable } from '@nestjs/common';
import { BusEvent, OnEventAsync } from 'nestjs-durable-bus';
import { Redis } from 'ioredis';
import { RedisServer, startRedisServer } from '../tools/local-redis';
import { createBusApp } from './support/bus-app';

@BusEvent('connections.account-posted', { partitionKey: 'accountId' })
class AccountPosted {
  constructor(readonly accountId: string) {}
}

@Injectable()
class Handlers {
  @OnEventAsync(AccountPosted, { id: 'connections.audit', partitionBy: false })
  audit() {}

  @OnEventAsync(AccountPosted, { id: 'connections.mail', partitionBy: false })
  mail() {}

  @OnEventAsync(AccountPosted, { id: 'connections.ledger', lanes: 3 })
  ledger() {}
}

let server: RedisServer;
let client: Redis;

beforeAll(async () => {
  server = await startRedisServer(); // a Redis of its own: every client but the test's is the app's
  client = new Redis(server.url);
});

afterAll(async () => {
  await client.quit();
  await server.stop();
});

/** The app's connections: every client of the server but the test's own. */
async function appConnections(): Promise<number> {
  const own = await client.client('ID');
  const lines = String(await client.client('LIST')).split('\n');
  return lines.filter((line) => line.startsWith('id=') && !line.startsWith(`id=${own} `)).length;
}

describe('Redis connections of a consuming process', () => {
  it('each Worker opens only its blocking connection; the Workers share one connection for everything else', async () => {
    await createBusApp({ providers: [Handlers], bus: { connection: server.url } });

    // 6 Workers (3 handler queues, and the 3 lanes, all owned by this only process): 6 blocking connections, 1 shared
    // by the Workers (and the lane leases' scripts), 1 for publishing, 1 subscribed to lane-ownership changes. With a
    // connection of its own per Worker it was 2 per Worker (13, and 14 with the subscriber).
    expect(await appConnections()).toBe(6 + 1 + 1 + 1);
  });
});
