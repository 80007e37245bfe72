import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ConsumerSpec } from '../../contracts/event-transport';
import { lanesChangedChannel, leaseCommands, leaseKeys } from './lane-leases';
import { connectionLost, isLive } from './redis-connection';
import type { HandlerCount } from './worker-shutdown';

/** A running lane worker and the count of its running handlers. */
export interface LaneWorker {
  readonly worker: Worker;
  readonly handlers: HandlerCount;
}

/** What the balancer needs from the transport that owns it. */
export interface LaneBalancerHost {
  readonly prefix: string;
  /** Ms a member's lease lasts without a heartbeat (the workers' `lockDuration`). */
  readonly leaseMs: number;
  /** The workers' `maxStalledCount`, applied to the jobs of a dead member it puts back. */
  readonly maxStalledCount: number;
  /** The shared command connection (scripts). */
  client(): Redis;
  /** A new connection for the pub/sub subscription (the balancer closes it). */
  subscriber(): Redis;
  queue(name: string): Queue;
  startWorker(spec: ConsumerSpec): LaneWorker;
  stopWorker(lane: LaneWorker, timeoutMs: number): Promise<void>;
}

interface GroupState {
  readonly queues: readonly string[];
  readonly specs: ReadonlyMap<string, ConsumerSpec>;
  /** The lanes Redis said this member owns, as of the last heartbeat. */
  owned: ReadonlySet<string>;
  readonly running: Map<string, LaneWorker>;
  /** Per lane, the last start or stop in progress: a lane's worker starts only once its previous one has stopped. */
  readonly transitions: Map<string, Promise<void>>;
  beating?: Promise<void>;
  again: boolean;
  /** A heartbeat due when another member's lease runs out before the next regular one (it may have died). */
  expiryTimer?: NodeJS.Timeout;
}

/** Longest a release waits for the lane's running handler (it is waited for, like any graceful stop). */
const RELEASE_TIMEOUT_MS = 2_147_483_647;
/** Re-checks of a dead member's lane whose job still held its lock when the lane was taken. */
const RECLAIM_RECHECKS = 3;

/**
 * Shares a process's lane groups with the other consuming processes (see docs/ordering.md, "How lanes are shared"):
 * every process is a member with a lease in Redis, renewed by a heartbeat; a script splits each group's lanes evenly
 * over the live members, and a process runs a BullMQ Worker only for the lanes it owns. A change of owners is
 * announced on a pub/sub channel, so the others act on it at once instead of at their next heartbeat. BullMQ's global
 * concurrency 1 per lane stays the guarantee that a lane runs one job at a time: ownership only decides who fetches.
 */
export class LaneBalancer {
  readonly member = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('EventBus');
  private readonly groups = new Map<string, GroupState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private subscription: Redis | undefined;
  private stopped = false;
  private lastError: string | undefined;

  constructor(private readonly host: LaneBalancerHost) {}

  /** Heartbeat interval: often enough that a lost announcement costs at most this long. */
  get heartbeatMs(): number {
    return Math.max(100, Math.min(1_000, Math.floor(this.host.leaseMs / 3)));
  }

  /** Joins every group of `lanes` (lane consumers; their `handlerId` is the group) and starts the owned lanes. */
  /** The lane workers running in this process now (the lanes it owns), with their queue and handler. */
  runningLanes(): { worker: Worker; queue: string; handlerId: string }[] {
    return [...this.groups.values()].flatMap((group) =>
      [...group.running].map(([queue, lane]) => ({
        worker: lane.worker,
        queue,
        handlerId: group.specs.get(queue)!.handlerId,
      })),
    );
  }

  async start(lanes: readonly ConsumerSpec[]): Promise<void> {
    const byGroup = new Map<string, ConsumerSpec[]>();
    for (const spec of lanes) byGroup.set(spec.handlerId, [...(byGroup.get(spec.handlerId) ?? []), spec]);
    if (byGroup.size === 0) return;
    for (const [group, specs] of byGroup) {
      this.groups.set(group, {
        queues: specs.map((spec) => spec.queue),
        specs: new Map(specs.map((spec) => [spec.queue, spec])),
        owned: new Set(),
        running: new Map(),
        transitions: new Map(),
        again: false,
      });
    }
    const subscription = (this.subscription = this.host.subscriber());
    subscription.on('error', () => undefined); // the command connection reports Redis errors
    subscription.on('message', (_channel: string, group: string) => {
      if (this.groups.has(group)) void this.beat(group);
    });
    await subscription.subscribe(lanesChangedChannel(this.host.prefix));
    const timer = setInterval(() => {
      for (const group of this.groups.keys()) void this.beat(group);
    }, this.heartbeatMs);
    timer.unref();
    this.timers.add(timer);
    await Promise.all([...this.groups.keys()].map((group) => this.beat(group)));
    const starting = [...this.groups.values()].flatMap((state) => [...state.transitions.values()]);
    await Promise.all(starting);
    await Promise.all(
      [...this.groups.values()].flatMap((state) =>
        [...state.running.values()].map((lane) => lane.worker.waitUntilReady()),
      ),
    );
  }

  /**
   * Leaves every group: stops fetching, hands the lanes back in Redis (announced, so the others start their workers
   * while this process finishes its running jobs), waits for those jobs (up to `timeoutMs`), then wakes the lanes'
   * waiting workers (BullMQ adds no wake-up marker when a job finishes without fetching the next one, so they would
   * otherwise sleep out their `drainDelay`).
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.subscription?.disconnect();
    this.subscription = undefined;
    const lanes = [...this.groups.values()].flatMap((state) =>
      [...state.running.entries()].map(([queue, lane]) => ({ state, queue, lane })),
    );
    const client = this.host.client();
    // Without Redis nothing is fetched anyway, and a pause or a leave would wait for the connection: go straight to
    // the stop, which drops the Workers' connections (see stopWorker). Redis going away meanwhile ends the wait too
    // (the others take the lanes over when this member's lease runs out).
    if (isLive(client)) {
      const lost = connectionLost(client);
      const untilLost = (step: Promise<unknown>) => Promise.race([withTimeout(step, timeoutMs), lost.promise]);
      try {
        await untilLost(Promise.all(lanes.map(({ lane }) => lane.worker.pause(true).catch(() => undefined))));
        await untilLost(
          Promise.all([...this.groups.keys()].map((group) => this.heartbeat(group, 'leave').catch(() => undefined))),
        );
      } finally {
        lost.cancel();
      }
    }
    const stopping = lanes.map(async ({ state, queue, lane }) => {
      state.running.delete(queue);
      await this.host.stopWorker(lane, timeoutMs);
      await this.wake(queue);
    });
    const pending = [...this.groups.values()].flatMap((state) => [...state.transitions.values()]);
    await Promise.all([...stopping, withTimeout(Promise.all(pending), timeoutMs)]);
    this.groups.clear();
  }

  /** One heartbeat of a group at a time; a request meanwhile runs one more after it. */
  private beat(group: string): Promise<void> {
    const state = this.groups.get(group);
    if (!state || this.stopped) return Promise.resolve();
    if (state.beating) {
      state.again = true;
      return state.beating;
    }
    state.beating = (async () => {
      try {
        do {
          state.again = false;
          await this.rebalance(group, state);
        } while (state.again && !this.stopped);
        this.lastError = undefined;
      } catch (error) {
        const message = (error as Error).message;
        if (message !== this.lastError) this.logger.error(`Lane sharing (${group}): ${message}; retrying`);
        this.lastError = message;
      } finally {
        state.beating = undefined;
      }
    })();
    return state.beating;
  }

  private async rebalance(group: string, state: GroupState): Promise<void> {
    const [mine, taken, nextExpiry] = await this.heartbeat(group, 'beat');
    if (this.stopped) return;
    this.beatAtExpiry(group, state, nextExpiry);
    state.owned = new Set(mine);
    for (const [queue, lane] of state.running) {
      if (!state.owned.has(queue)) this.release(state, queue, lane);
    }
    const fromDead = new Set(taken);
    for (const queue of mine) {
      if (!state.running.has(queue)) this.take(state, queue, fromDead.has(queue));
    }
  }

  /**
   * A dead member's lanes are taken over when its lease runs out, not at the next heartbeat after that: when another
   * member's lease runs out before the next regular heartbeat, one more is due then (a live member renews its lease
   * long before, and that heartbeat finds nothing to do).
   */
  private beatAtExpiry(group: string, state: GroupState, nextExpiry: number): void {
    if (state.expiryTimer) {
      clearTimeout(state.expiryTimer);
      this.timers.delete(state.expiryTimer);
      state.expiryTimer = undefined;
    }
    if (nextExpiry < 0 || nextExpiry >= this.heartbeatMs) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (state.expiryTimer === timer) state.expiryTimer = undefined;
      void this.beat(group);
    }, nextExpiry + 1);
    timer.unref();
    this.timers.add(timer);
    state.expiryTimer = timer;
  }

  private heartbeat(group: string, mode: 'beat' | 'leave'): Promise<[string[], string[], number]> {
    const state = this.groups.get(group)!;
    const { members, owners } = leaseKeys(this.host.prefix, group);
    return leaseCommands(this.host.client()).busLaneHeartbeat(
      members,
      owners,
      this.member,
      String(this.host.leaseMs),
      mode,
      lanesChangedChannel(this.host.prefix),
      group,
      ...state.queues,
    );
  }

  /** Starts the lane's worker once its previous one (if being stopped) is gone, if the lane is still ours then. */
  private take(state: GroupState, queue: string, fromDead: boolean): void {
    this.transition(state, queue, async () => {
      if (this.stopped || !state.owned.has(queue) || state.running.has(queue)) return;
      if (fromDead) await this.reclaim(state, queue, RECLAIM_RECHECKS);
      if (this.stopped || !state.owned.has(queue) || state.running.has(queue)) return;
      state.running.set(queue, this.host.startWorker(state.specs.get(queue)!));
    });
  }

  /** Stops the lane's worker (after its running job, which BullMQ then finishes without fetching another). */
  private release(state: GroupState, queue: string, lane: LaneWorker): void {
    state.running.delete(queue);
    void lane.worker.pause(true).catch(() => undefined);
    this.transition(state, queue, async () => {
      await this.host.stopWorker(lane, RELEASE_TIMEOUT_MS);
      await this.wake(queue);
    });
  }

  private transition(state: GroupState, queue: string, step: () => Promise<void>): void {
    const previous = state.transitions.get(queue) ?? Promise.resolve();
    const next = previous.then(step).catch((error: unknown) => {
      this.logger.error(`Lane ${queue}: ${(error as Error).message}`);
    });
    state.transitions.set(queue, next);
    void next.then(() => {
      if (state.transitions.get(queue) === next) state.transitions.delete(queue);
    });
  }

  /**
   * A dead member's running job keeps the lane busy until its lock expires; once it has, the job goes back to the
   * head of the lane at once. Still locked: checked again when the lock runs out (a few times, then BullMQ's own
   * stalled check of the new worker takes over).
   */
  private async reclaim(state: GroupState, queue: string, rechecks: number): Promise<void> {
    const lane = this.host.queue(queue);
    const keys = lane.keys;
    const [moved, waitMs] = await leaseCommands(this.host.client()).busLaneReclaim(
      keys.active!,
      keys.wait!,
      keys.marker!,
      keys.events!,
      keys.meta!,
      lane.toKey(''),
      String(this.host.maxStalledCount),
    );
    if (moved > 0) this.logger.warn(`Lane ${queue}: ${moved} job(s) of a dead worker put back at the head`);
    if (waitMs > 0 && rechecks > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.stopped && state.owned.has(queue))
          void this.reclaim(state, queue, rechecks - 1).catch(() => undefined);
      }, waitMs + 10);
      timer.unref();
      this.timers.add(timer);
    }
  }

  /** Wakes the workers waiting on the lane (BullMQ's wake-up marker), best effort. */
  private async wake(queue: string): Promise<void> {
    const client = this.host.client();
    if (!isLive(client)) return;
    await client.zadd(this.host.queue(queue).keys.marker!, 0, '0').catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
