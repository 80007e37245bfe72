import { Controller, Get, Header, MessageEvent, Sse } from '@nestjs/common';
import { BroadcastFeed } from 'nestjs-durable-bus';
import { map, Observable } from 'rxjs';
import { FEED_PAGE } from './feed.page';

/** The live event feed: every event published anywhere in the fleet, pushed to the browser (SSE). */
@Controller('feed')
export class FeedController {
  constructor(private readonly feed: BroadcastFeed) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return FEED_PAGE;
  }

  @Sse('events')
  events(): Observable<MessageEvent> {
    return this.feed.events$.pipe(
      map((event) => ({
        type: 'bus-event',
        data: {
          eventName: event.eventName,
          eventId: event.eventId,
          occurredAt: event.occurredAt,
          correlationId: event.correlationId,
          causationId: event.causationId,
          subject: subjectOf(event.payload),
        },
      })),
    );
  }
}

function subjectOf(payload: unknown): string {
  const fields = payload as { invoiceId?: string; orderId?: string };
  return fields.invoiceId ?? fields.orderId ?? '';
}
