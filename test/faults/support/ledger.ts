import { Redis } from 'ioredis';
import { deferred, within } from '../../support/deferred';
import { FaultEntry, FaultHandlerId, HANDLERS, PARTITIONED, recordChannel, recordList } from './fault.handlers';

/** One handler run, as the fault handlers record it. */
export interface HandledEntry {
  readonly handler: FaultHandlerId;
  readonly id: string;
  readonly key: string;
  readonly seq: number;
  readonly pid: number;
  readonly attempt: number;
}

/** What became of the published events, for one handler or summed over several. */
export interface Tally {
  /** Events whose publish resolved (or whose outbox row committed). */
  published: number;
  /** Distinct published events the handler ran. */
  handled: number;
  /** Published, never handled. */
  lost: number;
  /** Runs beyond the first of an event (at-least-once redeliveries). */
  duplicates: number;
  /** Per-key order breaks (a key's event handled after a later one of that key), and events handled that were never published (a refused publish that was written anyway). */
  violations: number;
}

function parse(line: string): HandledEntry {
  const [handler, id, key, seq, pid, attempt] = line.split('|') as [
    FaultHandlerId,
    string,
    string,
    string,
    string,
    string,
  ];
  return { handler, id, key, seq: Number(seq), pid: Number(pid), attempt: Number(attempt) };
}

/**
 * The accounting of a scenario: the events published (kept by the test), and the handler runs (recorded by the
 * handlers in the record Redis, in handling order, and followed live over its channel so the test waits on them).
 */
export class Ledger {
  readonly published = new Map<string, FaultEntry>();
  private readonly runsSoFar: HandledEntry[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  private readonly handledIds = new Map<FaultHandlerId, Set<string>>(HANDLERS.map((h) => [h, new Set<string>()]));

  private constructor(
    private readonly record: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
  ) {}

  static async open(recordUrl: string, prefix: string): Promise<Ledger> {
    const subscriber = new Redis(recordUrl);
    const ledger = new Ledger(new Redis(recordUrl), subscriber, prefix);
    subscriber.on('message', (_channel: string, message: string) => {
      const entry = parse(message);
      ledger.handledIds.get(entry.handler)?.add(entry.id);
      ledger.runsSoFar.push(entry);
      ledger.waiters = ledger.waiters.filter((waiter) => !waiter.check() || (waiter.resolve(), false));
    });
    await subscriber.subscribe(recordChannel(prefix));
    return ledger;
  }

  /** Notes an event as published (its publish resolved). */
  add(event: FaultEntry): void {
    this.published.set(event.id, event);
  }

  /** Distinct events `handler` ran among `ids` (default: every published one). */
  handledCount(handler: FaultHandlerId, ids: Iterable<string> = this.published.keys()): number {
    const handled = this.handledIds.get(handler)!;
    let count = 0;
    for (const id of ids) if (handled.has(id)) count++;
    return count;
  }

  /** Waits (bounded) until every handler in `handlers` ran every event in `ids` (default: every published one). */
  async allHandled(ms: number, handlers: readonly FaultHandlerId[] = HANDLERS, ids?: string[]): Promise<void> {
    const wanted = ids ?? [...this.published.keys()];
    await this.wait(
      () => handlers.every((handler) => this.handledCount(handler, wanted) === wanted.length),
      () =>
        `${wanted.length} event(s) handled by ${handlers.join(' and ')} (so far: ` +
        handlers.map((h) => `${h} ${this.handledCount(h, wanted)}`).join(', ') +
        ')',
      ms,
    );
  }

  /**
   * Like {@link allHandled}, but gives up quietly after `ms`, so the tally that follows shows what is missing as
   * `lost` (instead of a timeout hiding the scenario's line). Resolves with whether everything was handled.
   */
  settle(ms: number, ids?: string[]): Promise<boolean> {
    return this.allHandled(ms, HANDLERS, ids).then(
      () => true,
      (error: Error) => {
        process.stdout.write(`faults: ${error.message}\n`);
        return false;
      },
    );
  }

  /** Waits (bounded) until `handler` is at most `ahead` published events behind (paces a publisher on the stream). */
  async keepUp(handler: FaultHandlerId, ahead: number, ms: number): Promise<void> {
    await this.wait(
      () => this.handledCount(handler) >= this.published.size - ahead,
      () => `${handler} within ${ahead} events of the ${this.published.size} published`,
      ms,
    );
  }

  /** Waits (bounded) until `count` runs were recorded in all. */
  runs(count: number, ms: number): Promise<void> {
    return this.wait(
      () => this.runsSoFar.length >= count,
      () => `${count} runs`,
      ms,
    );
  }

  /** Waits (bounded) until the runs recorded so far satisfy `check`. */
  until(check: (runs: HandledEntry[]) => boolean, what: string, ms: number): Promise<void> {
    return this.wait(
      () => check(this.runsSoFar),
      () => what,
      ms,
    );
  }

  /** Waits (bounded) until `check` holds, re-checked at each recorded run; the error says what was awaited. */
  private async wait(check: () => boolean, what: () => string, ms: number): Promise<void> {
    if (check()) return;
    const done = deferred();
    const waiter = { check, resolve: () => done.resolve() };
    this.waiters.push(waiter);
    try {
      await within(done.promise, ms, 'the handlers').catch(() => {
        throw new Error(`Timed out after ${ms} ms waiting for ${what()} (${this.runsSoFar.length} runs recorded)`);
      });
    } finally {
      this.waiters = this.waiters.filter((other) => other !== waiter);
    }
  }

  /** Every recorded run, in handling order (read from the list, the authoritative record). */
  async entries(): Promise<HandledEntry[]> {
    return (await this.record.lrange(recordList(this.prefix), 0, -1)).map(parse);
  }

  /** The tally of one handler; per-key order is checked for the partitioned one. */
  async tally(handler: FaultHandlerId): Promise<Tally> {
    const entries = (await this.entries()).filter((entry) => entry.handler === handler);
    const seen = new Set<string>();
    const lastSeq = new Map<string, number>();
    const result: Tally = { published: this.published.size, handled: 0, lost: 0, duplicates: 0, violations: 0 };
    for (const entry of entries) {
      if (!this.published.has(entry.id)) {
        result.violations++;
        continue;
      }
      if (seen.has(entry.id)) result.duplicates++;
      seen.add(entry.id);
      if (handler === PARTITIONED) {
        const last = lastSeq.get(entry.key) ?? -1;
        if (entry.seq < last) result.violations++;
        lastSeq.set(entry.key, Math.max(last, entry.seq));
      }
    }
    result.handled = seen.size;
    result.lost = result.published - result.handled;
    return result;
  }

  /** The tallies of every handler, summed (published counts each event once per handler). */
  async total(handlers: readonly FaultHandlerId[] = HANDLERS): Promise<Tally> {
    const sum: Tally = { published: 0, handled: 0, lost: 0, duplicates: 0, violations: 0 };
    for (const handler of handlers) {
      const one = await this.tally(handler);
      for (const field of Object.keys(sum) as (keyof Tally)[]) sum[field] += one[field];
    }
    return sum;
  }

  async close(): Promise<void> {
    await Promise.all([this.record.quit(), this.subscriber.quit()]);
  }
}

/**
 * Prints the scenario's line, `faults: <name> published=… handled=… lost=… duplicates=… violations=…
 * recovered_in_ms=…` (and what else it measured), and returns it; the caller asserts lost=0 and violations=0.
 */
export function faultLine(name: string, tally: Tally, recoveredMs: number, extra = ''): string {
  const line =
    `faults: ${name} published=${tally.published} handled=${tally.handled} lost=${tally.lost} ` +
    `duplicates=${tally.duplicates} violations=${tally.violations} recovered_in_ms=${Math.round(recoveredMs)}` +
    (extra ? ` ${extra}` : '');
  process.stdout.write(`${line}\n`);
  return line;
}
