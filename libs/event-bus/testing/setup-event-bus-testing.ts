import { EventBusConfigError } from '../src/errors/event-bus-config.error';
import { eventBusMatchers } from './event-bus-testing.matchers';
import { openKits, setInsideTest } from './open-kits';

type Hook = (fn: () => Promise<void>) => void;

interface JestGlobals {
  beforeEach?: Hook;
  afterEach?: Hook;
  afterAll?: Hook;
  expect?: { extend(matchers: object): void };
}

let registered = false;

/**
 * Wires the kit into jest for this test file (call it once at the top of the file, or from a
 * `setupFilesAfterEnv` module): registers the `toHavePublished` matcher, and after each test verifies every kit
 * (strict-mode events left unasserted fail the test, naming each event and where it was published), closes the
 * kits made inside the test and resets the ones made in `beforeAll` (closed after all tests).
 */
export function setupEventBusTesting(): void {
  if (registered) return;
  const jest = globalThis as JestGlobals;
  if (!jest.beforeEach || !jest.afterEach || !jest.afterAll || !jest.expect) {
    throw new EventBusConfigError(
      'setupEventBusTesting() must be called inside a jest test file (afterEach/expect missing): call it at the top ' +
        'of the test file, or in a file of jest setupFilesAfterEnv.',
    );
  }
  registered = true;
  jest.expect.extend(eventBusMatchers);
  // Kits made outside a test (beforeAll) are shared by the tests of their block: reset, not closed, after each.
  setInsideTest(false);
  jest.beforeEach(() => {
    setInsideTest(true);
    return Promise.resolve();
  });
  jest.afterEach(async () => {
    setInsideTest(false);
    const failures: unknown[] = [];
    for (const kit of openKits()) {
      try {
        if (kit.perTest) {
          await kit.close();
        } else {
          kit.verify();
        }
      } catch (error) {
        failures.push(error);
      } finally {
        if (!kit.perTest) kit.reset();
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, failures.map(String).join('\n\n'));
  });
  jest.afterAll(async () => {
    await Promise.allSettled(openKits().map((kit) => kit.close()));
  });
}
