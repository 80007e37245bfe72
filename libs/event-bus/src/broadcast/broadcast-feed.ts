import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { filter, Observable, Subject } from 'rxjs';
import { getEventDefinition } from '../events/bus-event.decorator';
import { EventClass } from '../events/event-class';
import { BroadcastEvent } from './broadcast-event';

/**
 * The events broadcast anywhere in the fleet, as they reach this node, for server-sent events and websockets:
 *
 * ```ts
 * @Sse('events')
 * stream(): Observable<MessageEvent> {
 *   return this.feed.events$.pipe(map((event) => ({ type: event.eventName, data: event })));
 * }
 * ```
 *
 * Which events: those with an `@OnEventBroadcast` handler, or every event with `EventBusModule.forRoot({ broadcast:
 * 'all' })`. At most once, like broadcast handlers; it completes when the app shuts down.
 */
@Injectable()
export class BroadcastFeed implements OnApplicationShutdown {
  private readonly subject = new Subject<BroadcastEvent>();

  /** Every broadcast event that reaches this node. Hot: a subscriber sees events from when it subscribed. */
  readonly events$: Observable<BroadcastEvent> = this.subject.asObservable();

  /** The broadcast events of one event class. */
  of<E extends object>(eventClass: EventClass<E>): Observable<BroadcastEvent<E>> {
    const name = getEventDefinition(eventClass)?.name;
    return this.events$.pipe(filter((event): event is BroadcastEvent<E> => event.eventName === name));
  }

  /** @internal The broadcaster hands each received event here. */
  emit(event: BroadcastEvent): void {
    this.subject.next(event);
  }

  onApplicationShutdown(): void {
    this.subject.complete();
  }
}
