/**
 * How the testing kit treats published events (switch with `kit.setMode`):
 *
 * - `'default'`: recorded, not checked; async handlers do not run (with the kit transport).
 * - `'strict'`: recorded, and each one must be asserted before the test ends (or before leaving strict mode).
 * - `'inline'`: recorded, and every async handler runs inside `publish`, through the production invoker.
 */
export type EventBusTestingMode = 'default' | 'strict' | 'inline';

/** The modes, for validation. */
export const EVENT_BUS_TESTING_MODES: readonly EventBusTestingMode[] = ['default', 'strict', 'inline'];
