import { applyMigrations } from '../../apps/demo/src/platform/migrations';
import { freePort } from '../../tools/local-redis';
import { freshPrefix } from '../support/bus-app';
import { runTs } from '../support/child-process';
import { recordJobEvents } from '../support/job-events';
import { freshDatabase, query } from '../support/postgres';
import { demoHttp } from './demo-http';

type Row = Record<string, unknown>;

/** What `npm start` runs (SWC on the fly instead of the Nest CLI's build). */
const DEMO_MAIN = 'apps/demo/src/main.ts';

describe('demo: split roles', () => {
  it('ROLE=api and ROLE=worker as two processes on one Redis and one database: the worker invoices and audits an order placed on the API', async () => {
    // REDIS_URL is inherited from the test run, so both processes share its Redis; they share a fresh database and
    // a fresh bus prefix.
    const env = { DATABASE_URL: await freshDatabase(), BUS_PREFIX: freshPrefix() };
    const port = await freePort();
    const api = runTs(DEMO_MAIN, [], { ...env, ROLE: 'api', PORT: String(port) });
    const worker = runTs(DEMO_MAIN, [], { ...env, ROLE: 'worker' });
    try {
      await Promise.all([
        api.printed('demo is running (ROLE=api)', 25_000),
        worker.printed('demo is running (ROLE=worker)', 25_000),
      ]);
      const http = demoHttp(`http://127.0.0.1:${port}`);
      const auditQueues = ['audit.order-placed', 'audit.invoice-issued'];
      const audited = await Promise.all(auditQueues.map((queue) => recordJobEvents(env.BUS_PREFIX, queue)));

      const placed = await http.post<Row>('/orders', {
        customerId: 'c-split',
        lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1250 }],
      });

      expect(placed.status).toBe(201);
      // Both events audited. InvoiceIssued is published in the invoice's transaction (through the outbox), so once
      // it is audited the invoice is committed too.
      await Promise.all(
        audited.map((events, i) =>
          events.until(
            (recorded) => recorded.some((entry) => entry.event === 'completed'),
            `a completed job in ${auditQueues[i]!}`,
            15_000,
          ),
        ),
      );
      const invoices = await http.get<Row[]>('/invoices');
      expect(invoices).toEqual([
        expect.objectContaining({ orderId: placed.body.id, amountCents: '2500', status: 'issued' }),
      ]);
      const invoice = invoices[0]!;
      const audit = await http.get<Row[]>('/audit');
      expect(audit.map((row) => row.eventName).sort()).toEqual(['finances.invoice-issued', 'orders.order-placed']);
      // The API process runs no workers (bus role `publisher`): the invoice was issued in the worker process.
      const issued = `issued ${invoice.id as string} for 2500 cents (attempt 1)`;
      await worker.printed(issued, 5_000);
      expect(api.output()).not.toContain(issued);

      // Ctrl-C (SIGTERM here) stops each process cleanly.
      expect(await Promise.all([api.stop('SIGTERM'), worker.stop('SIGTERM')])).toEqual([0, 0]);
    } finally {
      await Promise.all([api.stop('SIGKILL'), worker.stop('SIGKILL')]);
    }
  }, 45_000);

  it('applies its migrations safely when several processes start at once', async () => {
    for (let round = 0; round < 5; round++) {
      const url = await freshDatabase();

      const outcomes = await Promise.allSettled([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);

      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      const tables = await query<{ name: string }>(
        url,
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      );
      expect(tables.map((table) => table.name)).toEqual(['audit_log', 'durable_bus_outbox', 'invoices', 'orders']);
    }
  });
});
