import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { BullBoardInstance, InjectBullBoard } from '@bull-board/nestjs';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { ManifestEvent, ManifestHandler } from '../src/handlers/handler-manifest';
import { EventBusManifest } from '../src/module/event-bus-manifest';
import { EVENT_TRANSPORT, EventTransport } from '../src/contracts/event-transport';
import { LaneQueueAdapter } from './lane-queue.adapter';

/** Job data as the bus writes it, as far as the board's job names need. */
interface JobLike {
  readonly name?: unknown;
  readonly data?: { readonly handler?: unknown };
}

/**
 * Registers every queue of the bus on the board at bootstrap: each async handler's queue and each lane of a
 * partitioned handler, named so the handler and the lane are obvious, with jobs named `<event> → <handler>`.
 */
@Injectable()
export class DashboardQueuesRegistrar implements OnApplicationBootstrap {
  private readonly logger = new Logger('EventBusDashboard');

  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    private readonly manifest: EventBusManifest,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
  ) {}

  onApplicationBootstrap(): void {
    let count = 0;
    for (const event of this.manifest.events) {
      for (const handler of event.handlers) {
        if (handler.mode !== 'async') continue;
        const queue = this.brokerQueue(handler.queue!);
        if (!queue) return this.warnEmpty();
        const lanes = handler.lanes;
        this.add(
          new BullMQAdapter(queue, {
            displayName: handler.id,
            description: describe(event, handler, lanes ? 'events without a partition key' : undefined),
          }),
        );
        count++;
        for (const [lane, name] of (lanes?.queues ?? []).entries()) {
          const laneQueue = this.brokerQueue(name);
          if (!lanes || !laneQueue) return this.warnEmpty();
          this.add(
            new LaneQueueAdapter(laneQueue, {
              displayName: `${handler.id} · lane ${lane + 1}/${lanes.count}`,
              description: describe(
                event,
                handler,
                `partition lane ${lane}: one job at a time, in publish order per key; concurrency and rate limit ` +
                  `are managed by the bus; failed jobs are released through ParkedKeys, not retried here`,
              ),
              allowRetries: false,
            }),
          );
          count++;
        }
      }
    }
    this.logger.log(`Dashboard: ${count} queue(s) registered`);
  }

  /** The transport's BullMQ queue handle (the board shows BullMQ queues only). */
  private brokerQueue(name: string): Queue | undefined {
    const handle = this.transport.brokerQueue?.(name);
    return handle instanceof Queue ? handle : undefined;
  }

  private warnEmpty(): void {
    this.logger.warn(
      `The dashboard shows BullMQ queues, but this bus uses the ${this.transport.name} transport, which gives no ` +
        `BullMQ queue handles (brokerQueue): it stays empty.`,
    );
  }

  private add(adapter: BullMQAdapter): void {
    adapter.setFormatter('name', (job: JobLike) =>
      typeof job.data?.handler === 'string' ? `${String(job.name)} → ${job.data.handler}` : String(job.name),
    );
    this.board.addQueue(adapter);
  }
}

function describe(event: ManifestEvent, handler: ManifestHandler, detail: string | undefined): string {
  const base = `${event.name} v${event.version} → ${handler.location}`;
  return detail ? `${base} (${detail})` : base;
}
