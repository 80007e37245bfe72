import { EventBusConfigError } from '../errors';

const WIRE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,199}$/;

/** Validates a wire name (event name or type name) given to a decorator; throws a config error that says why. */
export function assertWireName(decorator: string, target: { name: string }, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !WIRE_NAME.test(name)) {
    throw new EventBusConfigError(
      `${decorator}(${JSON.stringify(name)}) on class ${target.name}: the name must start with a letter and contain ` +
        `only letters, digits, ".", "_" and "-" (e.g. "orders.order-created"). It is stored in jobs, so choose it once ` +
        `and keep it when the class is renamed.`,
    );
  }
}
