import type { Type } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import type { EventCodec } from '../src/codec/event-codec';
import type { ValueType } from '../src/contracts/value-type';
import { HandlerInvoker } from '../src/dispatch/handler-invoker';
import { EventBusConfigError } from '../src/errors/event-bus-config.error';
import { EventBus } from '../src/publishing/event-bus';
import { PreparedEvent } from '../src/publishing/job-planner';
import { getEventDefinition } from '../src/events/bus-event.decorator';
import type { EventClass } from '../src/events/event-class';
import { EventHandlersExplorer } from '../src/handlers/event-handlers.explorer';
import type { ResolvedEventBusOptions } from '../src/contracts/event-bus-options';
import { EVENT_CODEC, RESOLVED_EVENT_BUS_OPTIONS } from '../src/contracts/tokens';
import { EVENT_TRANSPORT, EventTransport } from '../src/contracts/event-transport';
import { drainTransport, DrainOptions } from './bus-drainer';
import { assertRoundTrip } from './codec-round-trip';
import { EventExpectationError } from './errors/event-expectation.error';
import { UnassertedEventsError } from './errors/unasserted-events.error';
import { EventMatch, mismatchCount, mismatchOf } from './event-match';
import { HandlerRunner, HandlerSelector, RunEventOptions, RunEventOutcome, RunEventResult } from './handler-runner';
import { trackKit, TrackedKit, untrackKit } from './open-kits';
import { captureUserFrames, locationOfFrame } from './publish-location';
import { describeEventName, PublishedEvent, PublishedEventRecord, RefusedEvent } from './published-event';
import { EVENT_BUS_TESTING_MODES, EventBusTestingMode } from './testing-mode';
import { TestingTransport } from './testing.transport';
import { show } from './value-difference';

/** The records an assertion found, and the nearest miss when there is none. */
export interface EventSearch<E extends object = object> {
  readonly matches: readonly PublishedEvent<E>[];
  /** Events of the class that did not match, nearest first (fewest wrong fields). */
  readonly nearMisses: readonly PublishedEvent<E>[];
  /** Why the nearest miss does not match. */
  readonly nearestMismatch: string | undefined;
}

/**
 * A Nest testing module with the bus under test control: every accepted event is recorded (with where it was
 * published), checked for a faithful codec round trip when async handlers want it, and, depending on the
 * {@link EventBusTestingMode}, dispatched nowhere (default, strict) or run inline. Made by
 * `EventBusTestingModule.create()`.
 */
export class EventBusTestKit implements TrackedKit {
  /** The bus of {@link app}. */
  readonly bus: EventBus;
  private current: EventBusTestingMode;
  private readonly records: PublishedEventRecord[] = [];
  private readonly stopObserving: () => void;
  private readonly stopWatchingRefusals: () => void;
  private readonly transport: EventTransport;
  private readonly valueTypes: readonly ValueType[];
  private runner: HandlerRunner | undefined;
  private closed = false;

  /** Use `EventBusTestingModule.create()`. */
  constructor(
    /** The compiled and initialised Nest testing module. */
    readonly app: TestingModule,
    private readonly testingTransport: TestingTransport | undefined,
    private readonly initialMode: EventBusTestingMode,
    readonly perTest: boolean,
  ) {
    this.bus = app.get(EventBus);
    this.transport = app.get<EventTransport>(EVENT_TRANSPORT);
    this.valueTypes = app.get<ResolvedEventBusOptions>(RESOLVED_EVENT_BUS_OPTIONS).valueTypes;
    this.current = 'default';
    this.setMode(initialMode);
    this.stopObserving = this.bus.observe((prepared) => this.record(prepared));
    this.stopWatchingRefusals = this.bus.onRefused((prepared, error) => this.markRefused(prepared, error));
    trackKit(this);
  }

  /** The current mode. */
  get mode(): EventBusTestingMode {
    return this.current;
  }

  /**
   * Every event published so far (since the kit was made or last reset), in publish order. Publishes that were
   * refused (a sync handler threw) are not in it: see {@link refused}.
   */
  get events(): readonly PublishedEvent[] {
    return this.records.filter((item) => item.status === 'published');
  }

  /**
   * Events of `eventClass` (every event when omitted) matching `match` whose publish was refused (a sync handler,
   * a bridged listener or the transport threw; nothing async was dispatched), each with its error. They count as
   * not published: `expectNotPublished` passes and strict mode does not ask for them.
   */
  refused<E extends object>(eventClass?: EventClass<E>, match?: EventMatch<E>): RefusedEvent<E>[] {
    assertEventClassArgument(eventClass);
    return this.refusedRecords()
      .filter((item) => !eventClass || item.event instanceof eventClass)
      .filter(
        (item) => !mismatchOf(item.event, match as EventMatch, this.valueTypes),
      ) as RefusedEvent[] as RefusedEvent<E>[];
  }

  /**
   * Asserts that a publish of `eventClass` matching `match` was refused and returns the first one, with its error;
   * throws an {@link EventExpectationError} listing what was published and refused otherwise.
   */
  expectRefused<E extends object>(eventClass: EventClass<E>, match?: EventMatch<E>): RefusedEvent<E> {
    const [first] = this.refused(eventClass, match);
    if (first) return first;
    const published = this.search(eventClass, match).matches;
    const refused = this.refusedRecords().map((item) => describeEventName(item));
    throw new EventExpectationError(
      `Expected a publish of ${nameOf(eventClass)}${describeMatch(match)} to have been refused, but none was` +
        (published.length ? ` (${published.length} such event(s) were published).` : '.') +
        (refused.length ? ` Refused: ${refused.join(', ')}.` : ' No publish was refused.'),
    );
  }

  /**
   * Switches mode. Leaving strict mode first checks that every event published in it was asserted, and throws an
   * {@link UnassertedEventsError} (staying in strict mode) otherwise.
   */
  setMode(mode: EventBusTestingMode): void {
    if (!EVENT_BUS_TESTING_MODES.includes(mode)) {
      throw new EventBusConfigError(`Unknown testing mode ${show(mode)}: use ${EVENT_BUS_TESTING_MODES.join(', ')}.`);
    }
    if (mode === 'inline' && !this.testingTransport) {
      throw new EventBusConfigError(
        `Inline mode runs handlers through the kit's transport, but this kit keeps the app's "${this.transport.name}" ` +
          `transport. Create the kit without { transport: 'app' }, or use kit.drain() to wait for the real workers.`,
      );
    }
    if (this.current === 'strict' && mode !== 'strict') this.verify();
    this.current = mode;
    if (this.testingTransport) this.testingTransport.inline = mode === 'inline';
  }

  /** Events of `eventClass` (every event when omitted) matching `match`. */
  published<E extends object>(eventClass?: EventClass<E>, match?: EventMatch<E>): PublishedEvent<E>[] {
    return this.search(eventClass, match).matches as PublishedEvent<E>[];
  }

  /** How many events of `eventClass` matching `match` were published. */
  publishedCount<E extends object>(eventClass: EventClass<E>, match?: EventMatch<E>): number {
    return this.published(eventClass, match).length;
  }

  /**
   * Asserts that an event of `eventClass` matching `match` was published and returns it (the first one not yet
   * asserted, else the first one), marking it asserted for strict mode. Throws an {@link EventExpectationError}
   * that shows the nearest miss otherwise.
   */
  expectPublished<E extends object>(eventClass: EventClass<E>, match?: EventMatch<E>): E {
    const found = this.search(eventClass, match);
    const record = (found.matches.find((item) => !item.asserted) ?? found.matches[0]) as
      PublishedEventRecord | undefined;
    if (!record) throw new EventExpectationError(this.describeMiss(eventClass, match, found));
    record.asserted = true;
    return record.event as E;
  }

  /** Asserts that `eventClass` was published exactly `times` times (matching `match`); marks them asserted. */
  expectPublishedTimes<E extends object>(eventClass: EventClass<E>, times: number, match?: EventMatch<E>): E[] {
    const found = this.search(eventClass, match);
    if (found.matches.length !== times) {
      const list = found.matches.map((item) => `  ${show(item.event)} at ${item.location ?? '?'}`).join('\n');
      throw new EventExpectationError(
        `Expected ${nameOf(eventClass)}${describeMatch(match)} to have been published ${times} time(s), ` +
          `but it was published ${found.matches.length} time(s)${list ? `:\n${list}` : '.'}`,
      );
    }
    for (const item of found.matches) (item as PublishedEventRecord).asserted = true;
    return found.matches.map((item) => item.event);
  }

  /** Asserts that no event of `eventClass` matching `match` was published. */
  expectNotPublished<E extends object>(eventClass: EventClass<E>, match?: EventMatch<E>): void {
    const [first] = this.search(eventClass, match).matches;
    if (first) {
      throw new EventExpectationError(
        `Expected ${nameOf(eventClass)}${describeMatch(match)} not to have been published, but it was, at ` +
          `${first.location ?? '(unknown location)'}: ${show(first.event)}`,
      );
    }
  }

  /** The search behind the assertions and the jest matchers. Does not mark anything asserted. */
  search<E extends object>(eventClass: EventClass<E> | undefined, match?: EventMatch<E>): EventSearch<E> {
    assertEventClassArgument(eventClass);
    const ofClass = this.records.filter(
      (item) => item.status === 'published' && (!eventClass || item.event instanceof eventClass),
    );
    const matches = ofClass.filter((item) => !mismatchOf(item.event, match as EventMatch, this.valueTypes));
    const nearMisses = ofClass
      .filter((item) => !matches.includes(item))
      .map((item) => ({ item, wrong: mismatchCount(item.event, match as EventMatch, this.valueTypes) }))
      .sort((a, b) => a.wrong - b.wrong)
      .map(({ item }) => item);
    const nearest = nearMisses[0] && mismatchOf(nearMisses[0].event, match, this.valueTypes);
    return {
      matches: matches as PublishedEvent[] as PublishedEvent<E>[],
      nearMisses: nearMisses as PublishedEvent[] as PublishedEvent<E>[],
      nearestMismatch: nearest
        ? `field "${nearest.path || '(root)'}": ${nearest.reason} (expected ${show(nearest.expected)}, received ${show(nearest.received)})`
        : undefined,
    };
  }

  /** Marks a recorded event asserted (what the jest matcher does on success). */
  markAsserted(record: PublishedEvent): void {
    (record as PublishedEventRecord).asserted = true;
  }

  /** Events published in strict mode that no assertion claimed yet. */
  unasserted(): PublishedEvent[] {
    return this.records.filter((item) => item.status === 'published' && item.mode === 'strict' && !item.asserted);
  }

  /** Throws an {@link UnassertedEventsError} listing every unasserted strict-mode event, if any. */
  verify(): void {
    const left = this.unasserted();
    if (left.length > 0) throw new UnassertedEventsError(left);
  }

  /** Forgets the recorded events and returns to the mode the kit was created with (no check: call `verify` first). */
  reset(): void {
    this.records.length = 0;
    this.current = 'default';
    this.setMode(this.initialMode);
  }

  /**
   * Runs `event` through one handler, like a worker would: the filter first (`not-interested` when it says no),
   * then encode → JSON → decode, then the handler in its context. Handler errors come back as `{ status: 'error' }`.
   */
  runEvent<R = unknown>(
    event: object,
    handler: HandlerSelector,
    options?: RunEventOptions,
  ): Promise<RunEventResult<R>> {
    return this.handlerRunner().run(event, handler, options) as Promise<RunEventResult<R>>;
  }

  /** {@link runEvent}, but the handler's error is thrown. */
  async runEventOrThrow<R = unknown>(
    event: object,
    handler: HandlerSelector,
    options?: RunEventOptions,
  ): Promise<RunEventOutcome<R>> {
    const outcome = await this.runEvent<R>(event, handler, options);
    if (outcome.status === 'error') throw outcome.error;
    return outcome;
  }

  /** Resolves when the bus has nothing left to run (every queue of this bus idle); bounded by `timeoutMs`. */
  drain(options?: DrainOptions): Promise<void> {
    return drainTransport(this.transport, this.app.get(EventHandlersExplorer).getRegistry(), options);
  }

  /** A provider of the app (shorthand for `kit.app.get`). */
  get<T>(token: Type<T> | string | symbol): T {
    return this.app.get<T>(token);
  }

  /**
   * Closes the app, then throws an {@link UnassertedEventsError} if strict-mode events were left unasserted.
   * `setupEventBusTesting()` calls it after each test for kits made inside the test.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    untrackKit(this);
    this.stopObserving();
    this.stopWatchingRefusals();
    await this.app.close();
    this.verify();
  }

  private record(prepared: PreparedEvent): void {
    const stack = captureUserFrames();
    const [first] = prepared.jobs;
    if (first) {
      const handler = this.app.get(EventHandlersExplorer).getRegistry().asyncHandler(first.data.handler);
      if (handler) assertRoundTrip(this.app.get(HandlerInvoker), handler, prepared.event, first.data, this.valueTypes);
    }
    this.records.push({
      event: prepared.event,
      name: prepared.envelope.name,
      envelope: prepared.envelope,
      handlerIds: prepared.jobs.map((job) => job.data.handler),
      location: stack[0] === undefined ? undefined : locationOfFrame(stack[0]),
      stack,
      mode: this.current,
      asserted: false,
      status: 'published',
    });
  }

  /** The newest record of the refused event becomes refused (a re-publish of one instance makes a new record). */
  private markRefused(prepared: PreparedEvent, error: unknown): void {
    for (let index = this.records.length - 1; index >= 0; index--) {
      const record = this.records[index]!;
      if (record.envelope !== prepared.envelope) continue;
      record.status = 'refused';
      record.error = error;
      return;
    }
  }

  private refusedRecords(): PublishedEventRecord[] {
    return this.records.filter((item) => item.status === 'refused');
  }

  private describeMiss(eventClass: EventClass, match: EventMatch | undefined, found: EventSearch): string {
    const wanted = `Expected ${nameOf(eventClass)}${describeMatch(match)} to have been published`;
    if (found.nearMisses.length === 0) {
      const others = this.events.map((item) => describeEventName(item));
      return `${wanted}, but none was. ${others.length ? `Published: ${others.join(', ')}.` : 'Nothing was published.'}`;
    }
    const misses = found.nearMisses
      .slice(0, 3)
      .map((item) => `  ${show(item.event)} at ${item.location ?? '(unknown location)'}`);
    return (
      `${wanted}. ${found.nearMisses.length} ${eventClass.name} did not match; the nearest first:\n` +
      `${misses.join('\n')}\nNearest mismatch: ${found.nearestMismatch ?? '?'}`
    );
  }

  private handlerRunner(): HandlerRunner {
    return (this.runner ??= new HandlerRunner(
      this.app.get(EventHandlersExplorer).getRegistry(),
      this.app.get(HandlerInvoker),
      this.app.get<EventCodec>(EVENT_CODEC),
      this.valueTypes,
    ));
  }
}

/** `OrderPlaced (orders.order-placed)`. */
export function nameOf(eventClass: EventClass): string {
  const definition = getEventDefinition(eventClass);
  return definition ? `${eventClass.name} (${definition.name})` : eventClass.name;
}

function describeMatch(match: EventMatch | undefined): string {
  if (match === undefined) return '';
  return typeof match === 'function' ? ' matching the predicate' : ` matching ${show(match)}`;
}

/** From plain JavaScript an assertion may get the wire name instead of the class. */
function assertEventClassArgument(eventClass: unknown): void {
  if (eventClass === undefined || typeof eventClass === 'function') return;
  throw new EventBusConfigError(
    `The kit's assertions take the event class (kit.expectPublished(OrderCreated, { … })), received ` +
      `${typeof eventClass === 'string' ? `the string ${JSON.stringify(eventClass)}` : show(eventClass)}.`,
  );
}
