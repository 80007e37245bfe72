import { Injectable } from '@nestjs/common';
import { BusEvent, BusType, defineValueType, OnEventAsync } from 'nestjs-durable-bus';
import { EventBusTestingModule, EventRoundTripError, setupEventBusTesting } from 'nestjs-durable-bus/testing';

setupEventBusTesting();

/** Keeps its state in a private field behind a getter: the codec only sees own fields, so the state is lost. */
@BusType('roundtrip.money')
class Money {
  readonly #cents: number;
  constructor(cents: number) {
    this.#cents = cents;
  }
  get cents(): number {
    return this.#cents;
  }
}

/** A value type whose deserialize returns a string: the field changes type on the way. */
class Percent {
  constructor(readonly value: number) {}
}
const lossyPercent = defineValueType<Percent, string>({
  name: 'roundtrip.percent',
  isApplicable: (value): value is Percent => value instanceof Percent,
  serialize: (value) => String(value.value),
  deserialize: (json) => json as unknown as Percent,
});

@BusEvent('roundtrip.payment-captured')
class PaymentCaptured {
  constructor(
    readonly paymentId: string,
    readonly amount: Money,
  ) {}
}

@BusEvent('roundtrip.discount-granted')
class DiscountGranted {
  constructor(
    readonly orderId: string,
    readonly rates: { readonly base: Percent },
  ) {}
}

@BusEvent('roundtrip.nobody-listens')
class NobodyListens {
  constructor(readonly amount: Money) {}
}

@Injectable()
class Ledger {
  @OnEventAsync(PaymentCaptured, { id: 'ledger.payment' })
  async payment() {}

  @OnEventAsync(DiscountGranted, { id: 'ledger.discount' })
  async discount() {}
}

async function ledgerKit() {
  return EventBusTestingModule.create({ providers: [Ledger], bus: { valueTypes: [lossyPercent] } });
}

describe('testing kit codec round-trip check', () => {
  it('publish refuses an event whose getter-backed state does not survive the codec, naming the field', async () => {
    const kit = await ledgerKit();

    const publish = kit.bus.publish(new PaymentCaptured('p-1', new Money(1250)));

    await expect(publish).rejects.toBeInstanceOf(EventRoundTripError);
    await expect(publish).rejects.toMatchObject({ eventName: 'roundtrip.payment-captured', path: 'amount.cents' });
    await expect(publish).rejects.toThrow(
      /^Event "roundtrip\.payment-captured" does not survive the codec round trip: field "amount\.cents" getter throws: .*\n {2}published: 1250\n/,
    );
    expect(kit.events).toEqual([]);
  });

  it('publish refuses an event whose field changes type, showing expected and received', async () => {
    const kit = await ledgerKit();

    const publish = kit.bus.publish(new DiscountGranted('o-1', { base: new Percent(15) }));

    await expect(publish).rejects.toThrow(
      'Event "roundtrip.discount-granted" does not survive the codec round trip: field "rates.base" expected ' +
        "Percent, received string.\n  published: Percent { value: 15 }\n  a handler would receive: '15'\n",
    );
  });

  it('runEvent applies the same check; an event no async handler wants is not encoded, so not checked', async () => {
    const kit = await ledgerKit();

    await expect(kit.runEvent(new PaymentCaptured('p-1', new Money(1)), 'ledger.payment')).rejects.toMatchObject({
      path: 'amount.cents',
    });
    await kit.bus.publish(new NobodyListens(new Money(1)));
    expect(kit.publishedCount(NobodyListens)).toBe(1);
  });
});
