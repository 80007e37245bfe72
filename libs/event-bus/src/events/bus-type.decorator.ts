import { EventClass } from './event-class';
import { registerWireClass } from './wire-classes';
import { assertWireName } from './wire-name';

/**
 * Registers a class that appears inside events (a line item, an address, a money value object) so handlers get
 * instances of it back, not plain objects. Its own enumerable fields are encoded; the constructor is not called on
 * decode (the instance is created from the prototype, like a deserialiser would).
 *
 * ```ts
 * @BusType('orders.order-line')
 * export class OrderLine { constructor(readonly sku: string, readonly quantity: number) {} }
 * ```
 *
 * For types with internal state that fields cannot express (a Decimal, a Temporal value), register a
 * {@link ValueType} in the module options instead.
 */
export function BusType(name: string) {
  return (target: EventClass): void => {
    assertWireName('@BusType', target, name);
    registerWireClass(name, target);
  };
}
