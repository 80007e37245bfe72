import { EventBusConfigError } from '../src/errors/event-bus-config.error';
import type { EventClass } from '../src/events/event-class';
import { EventBusTestKit, nameOf } from './event-bus-test-kit';
import type { EventMatch } from './event-match';
import { pickMatched } from './event-match';

/** The part of jest's matcher context the kit's matchers use. */
interface MatcherContext {
  readonly isNot: boolean;
  readonly expand?: boolean;
  readonly utils: {
    matcherHint(name: string, received?: string, expected?: string, options?: { isNot?: boolean }): string;
    printExpected(value: unknown): string;
    printReceived(value: unknown): string;
    printDiffOrStringify(
      expected: unknown,
      received: unknown,
      expectedLabel: string,
      receivedLabel: string,
      expand: boolean,
    ): string;
  };
}

interface MatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- jest's matcher types live in the jest namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars -- must repeat jest's declaration
    interface Matchers<R, T = {}> {
      /**
       * The kit recorded an event of `eventClass` matching `match` (some fields, or a predicate). On success the
       * event counts as asserted for strict mode. `.not` asserts none was published.
       */
      toHavePublished<E extends object>(eventClass: EventClass<E>, match?: EventMatch<E>): R;
    }
  }
}

/** The kit's jest matchers, for `expect.extend(eventBusMatchers)` (`setupEventBusTesting()` does it for you). */
export const eventBusMatchers = {
  toHavePublished(this: MatcherContext, received: unknown, eventClass: EventClass, match?: EventMatch): MatcherResult {
    const hint = this.utils.matcherHint('toHavePublished', 'kit', nameOf(eventClass), { isNot: this.isNot });
    if (!(received instanceof EventBusTestKit)) {
      throw new EventBusConfigError(
        `${hint}\n\nThe received value must be the kit from EventBusTestingModule.create(): expect(kit).toHavePublished(…).`,
      );
    }
    const found = received.search(eventClass, match);
    const [first] = found.matches;
    if (first) {
      if (!this.isNot) received.markAsserted(found.matches.find((item) => !item.asserted) ?? first);
      return {
        pass: true,
        message: () =>
          `${hint}\n\nExpected no ${nameOf(eventClass)} matching ${this.utils.printExpected(match ?? {})}, but ` +
          `one was published at ${first.location ?? '(unknown location)'}:\n${this.utils.printReceived(first.event)}`,
      };
    }
    return { pass: false, message: () => missMessage(this, hint, received, eventClass, match, found.nearMisses) };
  },
};

function missMessage(
  context: MatcherContext,
  hint: string,
  kit: EventBusTestKit,
  eventClass: EventClass,
  match: EventMatch | undefined,
  nearMisses: readonly { event: object; location: string | undefined }[],
): string {
  const [nearest] = nearMisses;
  if (!nearest) {
    const published = kit.events.map((item) => `${item.name} (${item.event.constructor.name})`);
    return (
      `${hint}\n\nNo ${nameOf(eventClass)} was published. ` +
      (published.length ? `Published:\n  ${published.join('\n  ')}` : 'Nothing was published.')
    );
  }
  const expected = typeof match === 'function' ? '(a predicate)' : (match ?? {});
  const shown = nearMisses
    .slice(0, 3)
    .map(
      (item, i) =>
        `Candidate ${i + 1} of ${nearMisses.length} (published at ${item.location ?? '(unknown location)'}):\n` +
        context.utils.printDiffOrStringify(
          expected,
          pickMatched(item.event, match),
          'Expected',
          'Received',
          context.expand ?? true,
        ),
    );
  return `${hint}\n\nNo ${nameOf(eventClass)} matched. The closest:\n\n${shown.join('\n\n')}`;
}
