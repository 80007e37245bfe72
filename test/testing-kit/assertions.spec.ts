import { EventBusTestingModule, EventExpectationError, setupEventBusTesting } from 'nestjs-durable-bus/testing';
import { Address, InvoiceIssued, OrderAudited, OrderCreated, shopProviders } from './shop';

setupEventBusTesting();

async function kitWithOrders() {
  const kit = await EventBusTestingModule.create({ providers: shopProviders, mode: 'strict' });
  await kit.bus.publishAll([new OrderCreated('o-1', 10), new OrderCreated('o-2', 20, new Address('Paris', '75001'))]);
  return kit;
}

describe('testing kit assertions', () => {
  it('expectPublished returns the matched event, matching some fields, nested objects partially and asymmetric matchers', async () => {
    const kit = await kitWithOrders();

    const second = kit.expectPublished(OrderCreated, { shipTo: { city: 'Paris' }, total: expect.any(Number) });
    expect(second.orderId).toBe('o-2');
    const first = kit.expectPublished(OrderCreated, (event) => event.total < 15);
    expect(first.orderId).toBe('o-1');
  });

  it('expectPublished fails with the nearest miss and the field that differs', async () => {
    const kit = await kitWithOrders();

    expect(() => kit.expectPublished(OrderCreated, { orderId: 'o-2', total: 21 })).toThrow(EventExpectationError);
    expect(() => kit.expectPublished(OrderCreated, { orderId: 'o-2', total: 21 })).toThrow(
      /2 OrderCreated did not match; the nearest first:\n {2}OrderCreated \{ orderId: 'o-2', total: 20,[^\n]*\n[^\n]*\nNearest mismatch: field "total": value differs \(expected 21, received 20\)/,
    );
    expect(() => kit.expectPublished(OrderAudited)).toThrow(
      'Expected OrderAudited (kit.order-audited) to have been published, but none was. Published: ' +
        'kit.order-created (OrderCreated), kit.order-created (OrderCreated).',
    );
    kit.expectPublishedTimes(OrderCreated, 2);
  });

  it('expectNotPublished, publishedCount and expectPublishedTimes', async () => {
    const kit = await kitWithOrders();

    kit.expectNotPublished(InvoiceIssued);
    kit.expectNotPublished(OrderCreated, { orderId: 'o-3' });
    expect(() => kit.expectNotPublished(OrderCreated, { orderId: 'o-1' })).toThrow(
      /Expected OrderCreated \(kit\.order-created\) matching \{ orderId: 'o-1' \} not to have been published, but it was, at test\/testing-kit\/assertions\.spec\.ts:\d+:\d+/,
    );
    expect(kit.publishedCount(OrderCreated)).toBe(2);
    expect(kit.publishedCount(OrderCreated, { shipTo: { city: 'Lyon' } })).toBe(1);
    expect(() => kit.expectPublishedTimes(OrderCreated, 1)).toThrow(
      'Expected OrderCreated (kit.order-created) to have been published 1 time(s), but it was published 2 time(s)',
    );
    expect(kit.expectPublishedTimes(OrderCreated, 2).map((event) => event.orderId)).toEqual(['o-1', 'o-2']);
  });

  it('toHavePublished marks the event asserted; .not.toHavePublished passes when nothing matches', async () => {
    const kit = await kitWithOrders();

    expect(kit).toHavePublished(OrderCreated, { orderId: 'o-1' });
    expect(kit).toHavePublished(OrderCreated, { orderId: 'o-2' });
    expect(kit).not.toHavePublished(OrderCreated, { orderId: 'o-3' });
    expect(kit).not.toHavePublished(InvoiceIssued);
    expect(kit.unasserted()).toEqual([]);
  });

  it('toHavePublished failure shows a diff against the closest candidates', async () => {
    const kit = await kitWithOrders();

    let message = '';
    try {
      expect(kit).toHavePublished(OrderCreated, { orderId: 'o-2', total: 21 });
    } catch (error) {
      message = (error as Error).message;
    }
    // eslint-disable-next-line no-control-regex -- strip colours
    const plain = message.replace(/\u001b\[\d+m/g, '');
    expect(plain).toContain('No OrderCreated (kit.order-created) matched. The closest:');
    expect(plain).toMatch(/Candidate 1 of 2 \(published at test\/testing-kit\/assertions\.spec\.ts:\d+:\d+\)/);
    expect(plain).toContain('-   "total": 21,');
    expect(plain).toContain('+   "total": 20,');

    let notMessage = '';
    try {
      expect(kit).not.toHavePublished(OrderCreated, { orderId: 'o-1' });
    } catch (error) {
      notMessage = (error as Error).message.replace(/\u001b\[\d+m/g, ''); // eslint-disable-line no-control-regex
    }
    expect(notMessage).toMatch(
      /Expected no OrderCreated \(kit\.order-created\) matching \{"orderId": "o-1"\}, but one was published at/,
    );
    kit.expectPublishedTimes(OrderCreated, 2);
  });
});
