import { Inject, Injectable } from '@nestjs/common';
import { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';
import { EVENT_TRANSPORT, EventTransport } from '../contracts/event-transport';
import { OutboxRelay } from './outbox-relay';
import { OutboxStore } from '../contracts/outbox-store';

/**
 * The bus's outbox, when the `outbox` option is set: where `publish` puts the jobs of a publish made inside a
 * transaction, and this process's relay (when `outbox.relay` is not false). Inject it to read the relay's stats or
 * to drain it in scripts.
 */
@Injectable()
export class EventBusOutbox {
  /** The store, `undefined` when the outbox is off. */
  readonly store: OutboxStore | undefined;
  /** This process's relay, `undefined` when the outbox is off or `outbox.relay` is false. */
  readonly relay: OutboxRelay | undefined;

  constructor(
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) options: ResolvedEventBusOptions,
    @Inject(EVENT_TRANSPORT) transport: EventTransport,
  ) {
    const outbox = options.outbox;
    this.store = outbox?.store;
    this.relay = outbox?.relay ? new OutboxRelay(outbox.store, transport, outbox) : undefined;
  }

  /** True when the `outbox` option is set. */
  get enabled(): boolean {
    return this.store !== undefined;
  }
}
