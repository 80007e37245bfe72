import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HandlerInterceptor } from '../contracts/handler-interceptor';
import type { PublishReceipt } from '../contracts/publish-receipt';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import type { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';
import { EventBusOutbox } from '../outbox/event-bus-outbox';
import { EVENT_TRANSPORT, EventTransport } from '../contracts/event-transport';
import { BusMetrics } from './bus-metrics';
import { meterProviderRegistered, openTelemetry, tracerProviderRegistered } from '../dispatch/open-telemetry';
import { PublishTracing } from './publish-tracing';
import { carryTraceContext } from '../dispatch/trace-context';
import { TracingInterceptor } from './tracing.interceptor';

/**
 * The bus's OpenTelemetry, decided once when the app is created: tracing when `@opentelemetry/api` is installed, a
 * tracer provider is registered and `telemetry.tracing` is not false; metrics likewise with a meter provider. When
 * neither is on, `publish` checks one boolean and handler calls go through no interceptor of it: nothing to pay.
 */
@Injectable()
export class BusTelemetry implements OnApplicationBootstrap, OnApplicationShutdown {
  /** True when publishes need wrapping (tracing or metrics on). */
  readonly active: boolean;
  private readonly tracing: PublishTracing | undefined;
  private readonly metrics: BusMetrics | undefined;
  /** The built-in interceptors, outermost first: the tracing span wraps the timing. */
  readonly interceptors: readonly HandlerInterceptor[];

  constructor(
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) options: ResolvedEventBusOptions,
    @Inject(EVENT_TRANSPORT) transport: EventTransport,
    explorer: EventHandlersExplorer,
    outbox: EventBusOutbox,
  ) {
    const api = openTelemetry();
    const registry = () => explorer.getRegistry();
    const interceptors: HandlerInterceptor[] = [];
    if (api && options.telemetry.tracing && tracerProviderRegistered(api)) {
      this.tracing = new PublishTracing(api, transport.name);
      interceptors.push(new TracingInterceptor(api, transport.name, registry));
      carryTraceContext();
    }
    if (api && options.telemetry.metrics && meterProviderRegistered(api)) {
      this.metrics = new BusMetrics(api, { transport, registry, outbox: outbox.store });
      interceptors.push(this.metrics);
    }
    this.interceptors = interceptors;
    this.active = this.tracing !== undefined || this.metrics !== undefined;
  }

  /** Runs a publish of `events` in its PRODUCER span (tracing on) and counts what it published (metrics on). */
  publishing<R extends PublishReceipt | PublishReceipt[]>(
    events: readonly object[],
    publish: () => Promise<R>,
  ): Promise<R> {
    const pending = this.tracing ? this.tracing.trace(events, publish) : publish();
    const metrics = this.metrics;
    if (!metrics) return pending;
    return pending.then((receipts) => {
      metrics.countPublished(Array.isArray(receipts) ? receipts : [receipts]);
      return receipts;
    });
  }

  onApplicationBootstrap(): void {
    this.metrics?.start();
  }

  onApplicationShutdown(): void {
    this.metrics?.stop();
  }
}
