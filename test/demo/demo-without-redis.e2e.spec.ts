import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort, redisInstallCommand } from '../../tools/local-redis';
import { runTs } from '../support/child-process';
import { demoHttp } from './demo-http';

type Row = Record<string, unknown>;

/** What `npm start` runs (SWC on the fly instead of the Nest CLI's build). */
const DEMO_MAIN = 'apps/demo/src/main.ts';

/** The PATH of this run without the directories that hold `binary` (as on a machine that never installed it). */
function pathWithout(binary: string): string {
  const dirs = (process.env.PATH ?? '').split(delimiter);
  return dirs.filter((dir) => dir && !existsSync(join(dir, binary))).join(delimiter);
}

/** No REDIS_URL, no redis-server on the PATH; DATABASE_URL unset too, so the demo starts its own PostgreSQL. */
const firstRun = () => ({ REDIS_URL: '', DATABASE_URL: '', PATH: pathWithout('redis-server') });

describe('demo: first run without Redis', () => {
  it('npm start says first what it runs on and how to install Redis, then runs on the in-memory transport: an order reaches finances and audit', async () => {
    const port = await freePort();
    const demo = runTs(DEMO_MAIN, [], { ...firstRun(), PORT: String(port) });

    await demo.printed('demo is running (ROLE=all)', 30_000);

    const output = demo.output();
    expect(output.trimStart()).toMatch(/^nestjs-durable-bus demo: running on the in-memory transport/);
    expect(output).toContain('Missing for the full demo: Redis, for durable queues, the dashboard (/queues)');
    expect(output).toContain(redisInstallCommand() ?? 'Install redis-server with your package manager');
    expect(output).toContain('Transport:  in-memory (no Redis)');
    expect(output).toContain('Dashboard:  off');
    const http = demoHttp(`http://127.0.0.1:${port}`);
    const placed = await http.post<Row>('/orders', {
      customerId: 'c-first-run',
      lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1250 }],
    });
    expect(placed.status).toBe(201);
    const [invoice] = await http.until<Row[]>('/invoices', (rows) => rows.length === 1, 'the invoice');
    expect(invoice).toMatchObject({ orderId: placed.body.id, amountCents: '2500', status: 'issued' });
    const audit = await http.until<Row[]>('/audit', (rows) => rows.length === 2, 'two audit rows');
    expect(audit.map((row) => row.eventName).sort()).toEqual(['finances.invoice-issued', 'orders.order-placed']);
    expect((await fetch(`http://127.0.0.1:${port}/queues`)).status).toBe(404);
    expect(await demo.stop('SIGTERM')).toBe(0);
  }, 60_000);

  it('ROLE=worker without Redis stops at once with one line naming the fix, no stack trace', async () => {
    const worker = runTs(DEMO_MAIN, [], { ...firstRun(), ROLE: 'worker' });

    expect(await worker.exited(20_000)).toBe(1);
    expect(worker.output().trim()).toBe(
      'StartupError: ROLE=worker needs Redis (the api and worker processes share its queues), and there is none: ' +
        'set REDIS_URL, install redis-server, or leave ROLE unset to run everything in one process on the in-memory ' +
        'transport.',
    );
  });
});
