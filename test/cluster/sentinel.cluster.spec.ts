import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { BusEvent, OnEventAsync } from 'nestjs-durable-bus';
import { freePort, RedisServer, startRedisServer } from '../../tools/local-redis';
import { createBusApp } from '../support/bus-app';
import { Recorder } from '../support/deferred';

@BusEvent('sentinel.account-posted', { partitionKey: 'accountId' })
class AccountPosted {
  constructor(
    readonly accountId: string,
    readonly seq: number,
  ) {}
}

const seen = new Recorder<{ handler: string; accountId: string; seq: number }>();

@Injectable()
class Handlers {
  @OnEventAsync(AccountPosted, { id: 'sentinel.ledger', lanes: 4 })
  ledger(event: AccountPosted) {
    seen.push({ handler: 'ledger', accountId: event.accountId, seq: event.seq });
  }

  @OnEventAsync(AccountPosted, { id: 'sentinel.audit', partitionBy: false })
  audit(event: AccountPosted) {
    seen.push({ handler: 'audit', accountId: event.accountId, seq: event.seq });
  }
}

let master: RedisServer;
let sentinel: ChildProcess;
let sentinelPort: number;
let dir: string;

/** A master and one Sentinel monitoring it (quorum 1), on loopback, stopped by pid after the file. */
beforeAll(async () => {
  master = await startRedisServer();
  sentinelPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'bus-sentinel-'));
  const config = join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      'protected-mode no',
      `dir ${dir}`,
      `sentinel monitor buscache 127.0.0.1 ${master.port} 1`,
    ].join('\n'),
  );
  sentinel = spawn('redis-server', [config, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`sentinel not monitoring after 10 s:\n${output}`)), 10_000);
    sentinel.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('+monitor master buscache')) {
        clearTimeout(timer);
        resolve();
      }
    });
    sentinel.once('exit', (code) => reject(new Error(`sentinel exited with code ${code}:\n${output}`)));
  });
});

afterAll(async () => {
  if (sentinel && sentinel.exitCode === null && sentinel.signalCode === null) {
    const exited = new Promise((resolve) => sentinel.once('exit', resolve));
    sentinel.kill('SIGTERM');
    await exited;
  }
  await master?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the bus through Redis Sentinel', () => {
  it('finds the master through the Sentinel (ioredis options) and runs async and partitioned handlers', async () => {
    const { bus } = await createBusApp({
      providers: [Handlers],
      bus: { connection: { sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'buscache' } },
    });

    for (let seq = 0; seq < 5; seq++) await bus.publish(new AccountPosted('a1', seq));

    await seen.count(10);
    const seqs = (handler: string) => seen.values.filter((value) => value.handler === handler).map((v) => v.seq);
    expect(seqs('ledger')).toEqual([0, 1, 2, 3, 4]);
    expect(seqs('audit').sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
