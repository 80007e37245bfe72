/** JSON a value type serialises to. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A type the codec cannot express as fields (a Decimal, a Temporal value, a branded id class): how to recognise it,
 * turn it into JSON and back. Register it in `EventBusModule.forRoot({ valueTypes: [...] })`.
 *
 * ```ts
 * export const decimalType = defineValueType({
 *   name: 'decimal',
 *   isApplicable: (value): value is Decimal => value instanceof Decimal,
 *   serialize: (value) => value.toString(),
 *   deserialize: (json) => new Decimal(json as string),
 * });
 * ```
 */
export interface ValueType<T = unknown, J extends JsonValue = JsonValue> {
  /** Stable name stored in jobs; keep it when the class is renamed. */
  readonly name: string;
  // Method syntax on purpose: a ValueType<Decimal> must fit in a list of ValueType<unknown>.
  isApplicable(value: unknown): value is T;
  serialize(value: T): J;
  deserialize(json: J): T;
}
