import { startDemo } from './demo-app';

const order = (customerId: string, unitPriceCents: number, quantity = 1) => ({
  customerId,
  lines: [{ sku: 'book', quantity, unitPriceCents }],
});

type Row = Record<string, unknown>;

describe('demo: orders → finances → audit over HTTP', () => {
  it('placing an order issues its invoice (in finances) and audits both events, in one correlation chain', async () => {
    const demo = await startDemo();

    const placed = await demo.post<Row>('/orders', order('c-1', 1250, 2));

    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ customerId: 'c-1', totalCents: '2500', status: 'placed' });
    const orderId = placed.body.id as string;
    const [invoice] = await demo.until<Row[]>('/invoices', (rows) => rows.length === 1, 'the invoice');
    expect(invoice).toMatchObject({ orderId, amountCents: '2500', status: 'issued' });
    const audit = await demo.until<Row[]>('/audit', (rows) => rows.length === 2, 'two audit rows');
    const names = audit.map((row) => row.eventName).sort();
    expect(names).toEqual(['finances.invoice-issued', 'orders.order-placed']);
    const placedRow = audit.find((row) => row.eventName === 'orders.order-placed')!;
    const issuedRow = audit.find((row) => row.eventName === 'finances.invoice-issued')!;
    expect(issuedRow.causationId).toBe(placedRow.eventId);
    expect(issuedRow.correlationId).toBe(placedRow.eventId);
  });

  it('the credit-limit sync handler refuses an order inside the transaction: 422, nothing stored, nothing dispatched', async () => {
    const demo = await startDemo();

    const refused = await demo.post<Row>('/orders', order('c-big', 200_000));
    const accepted = await demo.post<Row>('/orders', order('c-small', 100));

    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain('credit limit exceeded for customer c-big');
    expect(accepted.status).toBe(201);
    await demo.until<Row[]>('/audit', (rows) => rows.length === 2, 'the accepted order to be audited');
    const orders = await demo.get<Row[]>('/orders');
    expect(orders.map((row) => row.customerId)).toEqual(['c-small']);
    const audit = await demo.get<Row[]>('/audit');
    expect(audit.map((row) => row.eventName).sort()).toEqual(['finances.invoice-issued', 'orders.order-placed']);
    expect(audit.every((row) => row.subject !== refused.body.id)).toBe(true);
    expect((await demo.get<Row[]>('/invoices')).map((row) => row.customerId)).toEqual(['c-small']);
  });

  it('a cancel right after the create is handled after it, even while invoicing is retried (lane group by order id)', async () => {
    const demo = await startDemo();

    const placed = await demo.post<Row>('/orders', order('flaky-7', 900));
    const orderId = placed.body.id as string;
    const cancelled = await demo.post<Row>(`/orders/${orderId}/cancel`, { reason: 'changed my mind' });

    expect(cancelled.status).toBe(200);
    const [invoice] = await demo.until<Row[]>('/invoices', (rows) => rows[0]?.status === 'void', 'the voided invoice');
    expect(invoice).toMatchObject({ orderId, status: 'void' });
    const audit = await demo.until<Row[]>('/audit', (rows) => rows.length === 4, 'four audit rows');
    // What is promised is the order of the finances lane (issue, then void, for one order id): the invoice's own
    // history ends voided. Audit handlers are unpartitioned queues, so the order of audit rows is not promised.
    expect(audit.map((row) => row.eventName).sort()).toEqual([
      'finances.invoice-issued',
      'finances.invoice-voided',
      'orders.order-cancelled',
      'orders.order-placed',
    ]);
  });

  it('a free order is audited but not invoiced (the filter writes no job), and paying an order is audited', async () => {
    const demo = await startDemo();

    const free = await demo.post<Row>('/orders', order('c-free', 0));
    const paid = await demo.post<Row>('/orders', order('c-pays', 500));
    const payment = await demo.post<Row>(`/orders/${paid.body.id as string}/pay`, {});

    expect(payment.status).toBe(200);
    expect(payment.body.status).toBe('paid');
    const audit = await demo.until<Row[]>('/audit', (rows) => rows.length === 4, 'four audit rows');
    expect(audit.map((row) => row.eventName).sort()).toEqual([
      'finances.invoice-issued',
      'orders.order-paid',
      'orders.order-placed',
      'orders.order-placed',
    ]);
    const invoices = await demo.get<Row[]>('/invoices');
    expect(invoices.map((row) => row.orderId)).toEqual([paid.body.id]);
    expect(invoices.some((row) => row.orderId === free.body.id)).toBe(false);
  });
});

describe('demo: live feed', () => {
  it('GET /feed/events streams the events of every context as they are published (SSE)', async () => {
    const demo = await startDemo();
    const controller = new AbortController();
    const response = await fetch(`${demo.base}/feed/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    const received = (async () => {
      while (!(text.includes('orders.order-placed') && text.includes('finances.invoice-issued'))) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    })();

    await demo.post('/orders', order('c-feed', 700));
    await Promise.race([
      received,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`feed so far: ${text}`)), 10_000)),
    ]);
    controller.abort();

    expect(text).toContain('event: bus-event');
    expect(text).toContain('"eventName":"orders.order-placed"');
    expect(text).toContain('"eventName":"finances.invoice-issued"');
  });
});

describe('demo: health', () => {
  it('GET /health reports the bus up: Redis answers, the consumers run, the outbox relays', async () => {
    const demo = await startDemo();

    const response = await fetch(`${demo.base}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: { eventBus: { status: 'up', broker: 'up', role: 'both', outbox: { backlog: 0 }, parkedKeys: 0 } },
    });
  });
});
