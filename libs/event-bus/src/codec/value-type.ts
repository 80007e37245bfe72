import type { JsonValue, ValueType } from '../contracts/value-type';

/** Identity helper that infers the value type's generics. */
export function defineValueType<T, J extends JsonValue = JsonValue>(type: ValueType<T, J>): ValueType<T, J> {
  return type;
}
