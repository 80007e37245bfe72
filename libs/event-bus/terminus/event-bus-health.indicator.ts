import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { EventBusConfigError, HealthCheckError } from '../src/errors';
import { EventBusManifest } from '../src/module/event-bus-manifest';
import type { EventBusRole } from '../src/contracts/event-bus-options';
import { EventBusOutbox } from '../src/outbox/event-bus-outbox';
import { ParkedKeys } from '../src/partitions/parked-keys';
import { EVENT_TRANSPORT, EventTransport } from '../src/contracts/event-transport';
import { EventBusHealthDefaults, EventBusHealthOptions } from './event-bus-health-options';

/** What the indicator reports, up or down; `reason` says what is wrong when it is down. */
export interface EventBusHealthDetails extends Record<string, unknown> {
  readonly transport: string;
  /** `'up'`, or why the broker did not answer; `'not checked'` for a transport that cannot be pinged. */
  readonly broker: string;
  readonly role: EventBusRole;
  /** Consumers running / started in this process (consuming roles). */
  readonly consumers?: { readonly running: number; readonly started: number };
  readonly outbox?: { readonly backlog?: number; readonly oldestAgeMs?: number };
  readonly parkedKeys?: number;
  readonly reason?: string;
}

/**
 * A `@nestjs/terminus` health indicator for the bus: the broker (Redis) answers, this process's consumers run (in
 * consuming roles), the outbox backlog and its oldest pending row's age are under their thresholds, and how many
 * keys are parked. Import from `nestjs-durable-bus/terminus`; add it to the providers of the module with your
 * health controller (which imports `TerminusModule`).
 *
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.bus.isHealthy('eventBus', { maxOutboxAge: 30_000 })]);
 * }
 * ```
 */
@Injectable()
export class EventBusHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    private readonly manifest: EventBusManifest,
    private readonly outbox: EventBusOutbox,
    private readonly parked: ParkedKeys,
  ) {}

  /** Checks the bus; `down` with `reason` naming every problem found, else `up`. */
  async isHealthy<const Key extends string = 'eventBus'>(
    key: Key = 'eventBus' as Key,
    options: EventBusHealthOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const limits = resolveHealthOptions(options);
    const problems: string[] = [];
    const indicator = this.health.check(key);
    const broker = await this.checkBroker(limits.timeout, problems);
    const details: EventBusHealthDetails = {
      transport: this.transport.name,
      broker,
      role: this.manifest.get().role,
      ...this.checkConsumers(problems),
      ...(await this.checkOutbox(limits, problems)),
      ...(broker === 'down' ? {} : await this.checkParked(limits, problems)),
    };
    if (problems.length === 0) return indicator.up(details);
    return indicator.down({ ...details, reason: problems.join('; ') });
  }

  private async checkBroker(timeout: number, problems: string[]): Promise<string> {
    if (!this.transport.ping) return 'not checked';
    try {
      await this.transport.ping(timeout);
      return 'up';
    } catch (error) {
      problems.push(`the broker (${this.transport.name}) is unreachable: ${messageOf(error)}`);
      return 'down';
    }
  }

  private checkConsumers(problems: string[]): Pick<EventBusHealthDetails, 'consumers'> {
    if (this.manifest.get().role === 'publisher' || !this.transport.consumerStatus) return {};
    const consumers = this.transport.consumerStatus();
    const running = consumers.filter((consumer) => consumer.running);
    const handlers = this.manifest.events
      .flatMap((event) => event.handlers)
      .filter((handler) => handler.mode === 'async').length;
    if (handlers > 0 && consumers.length === 0) {
      problems.push(
        `no consumer runs in this ${this.manifest.get().role} process (the app is not bootstrapped, or closing)`,
      );
    } else if (running.length < consumers.length) {
      const stopped = consumers.filter((consumer) => !consumer.running).map((consumer) => consumer.queue);
      problems.push(`${stopped.length} of ${consumers.length} consumers are not running (${stopped.join(', ')})`);
    }
    return { consumers: { running: running.length, started: consumers.length } };
  }

  private async checkOutbox(
    limits: Required<EventBusHealthOptions>,
    problems: string[],
  ): Promise<Pick<EventBusHealthDetails, 'outbox'>> {
    const store = this.outbox.store;
    if (!store) return {};
    try {
      const [backlog, oldestAgeMs] = await within(
        Promise.all([store.pending(), store.oldestPendingAge?.()]),
        limits.timeout,
        'the outbox',
      );
      if (backlog > limits.maxOutboxBacklog) {
        problems.push(`the outbox holds ${backlog} rows not relayed, more than ${limits.maxOutboxBacklog}`);
      }
      if (oldestAgeMs !== undefined && oldestAgeMs > limits.maxOutboxAge) {
        problems.push(
          `the oldest outbox row waits for ${Math.round(oldestAgeMs)} ms, longer than ${limits.maxOutboxAge} ms (is a relay running?)`,
        );
      }
      return { outbox: { backlog, ...(oldestAgeMs === undefined ? {} : { oldestAgeMs: Math.round(oldestAgeMs) }) } };
    } catch (error) {
      problems.push(`the outbox cannot be read: ${messageOf(error)}`);
      return { outbox: {} };
    }
  }

  private async checkParked(
    limits: Required<EventBusHealthOptions>,
    problems: string[],
  ): Promise<Pick<EventBusHealthDetails, 'parkedKeys'>> {
    try {
      const parkedKeys = (await within(this.parked.list(), limits.timeout, 'the parked keys')).length;
      if (parkedKeys > limits.maxParkedKeys) {
        problems.push(`${parkedKeys} keys are parked, more than ${limits.maxParkedKeys} (release or skip them)`);
      }
      return { parkedKeys };
    } catch (error) {
      problems.push(`the parked keys cannot be read: ${messageOf(error)}`);
      return {};
    }
  }
}

/** Applies {@link EventBusHealthDefaults} and checks the values (an {@link EventBusConfigError} names a bad one). */
export function resolveHealthOptions(options: EventBusHealthOptions): Required<EventBusHealthOptions> {
  const resolved = { ...EventBusHealthDefaults };
  for (const [name, value] of Object.entries(options) as [keyof EventBusHealthOptions, unknown][]) {
    if (value === undefined) continue;
    if (!(name in EventBusHealthDefaults)) {
      throw new EventBusConfigError(
        `EventBusHealthIndicator: unknown option "${name}"; the options are ${Object.keys(EventBusHealthDefaults).join(', ')}.`,
      );
    }
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new EventBusConfigError(
        `EventBusHealthIndicator option "${name}" is invalid: expected a number ≥ 0, received ${JSON.stringify(value)}.`,
      );
    }
    resolved[name] = value;
  }
  return resolved;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthCheckError(what, `${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
