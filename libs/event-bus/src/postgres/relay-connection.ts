import { PgOwnClientLike, PgPoolLike, PgResult, withPoolClient } from './postgres-connection';

/** What a claim runs its statements on, and whether its connection was lost meanwhile. */
export interface RelaySession {
  /** Resolves with one result per statement when `text` holds several (simple query protocol). */
  query(text: string): Promise<PgResult | PgResult[]>;
  /** The error the connection dropped with (then it is not queryable any more). */
  readonly lost: Error | undefined;
  /** Closes the connection rather than reuse it (e.g. a ROLLBACK failed). */
  discard(reason: Error): void;
}

/** Ms an unused connection is kept before it is closed (a running relay claims at least every poll interval). */
const IDLE_MS = 10_000;

interface Own {
  readonly client: PgOwnClientLike;
  lost: Error | undefined;
  discarded: boolean;
}

/**
 * The relay's claims run on a connection of their own, kept between turns, made with the pool's client class and
 * options (as the LISTEN connection is): a relay that borrowed from the app's pool would queue behind the app's
 * transactions on every turn, and a busy app's queue is exactly when the relay must not lag. One claim at a time uses
 * it (claims take turns on the advisory lock anyway). It is closed when the relay stops, after 10 s unused, or when
 * lost (the next claim opens another). A pool without `Client` and `options` lends a client per claim instead.
 */
export class RelayConnection {
  private own: Promise<Own> | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly pool: () => PgPoolLike) {}

  /** Runs `use` on the relay's connection, once the claim before it is done. */
  run<T>(use: (session: RelaySession) => Promise<T>): Promise<T> {
    const result = this.turn.then(() => this.runNow(use));
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** Closes the connection once the claim in progress is done (the relay stopped); a later claim opens another. */
  close(): Promise<void> {
    const closed = this.turn.then(async () => {
      clearTimeout(this.idle);
      const own = this.own;
      this.own = undefined;
      const opened = await own?.catch(() => undefined);
      await opened?.client.end().catch(() => undefined);
    });
    this.turn = closed.catch(() => undefined);
    return closed;
  }

  private async runNow<T>(use: (session: RelaySession) => Promise<T>): Promise<T> {
    const pool = this.pool();
    if (!pool.Client || pool.options === undefined) {
      return withPoolClient(pool, (borrowed) =>
        use({
          query: (text) => borrowed.client.query(text),
          get lost() {
            return borrowed.lost;
          },
          discard: (reason) => borrowed.discard(reason),
        }),
      );
    }
    clearTimeout(this.idle);
    const opening = (this.own ??= open(pool.Client, pool.options));
    let own: Own;
    try {
      own = await opening;
    } catch (error) {
      this.own = undefined;
      throw error;
    }
    try {
      return await use({
        query: (text) => own.client.query(text),
        get lost() {
          return own.lost;
        },
        discard: () => {
          own.discarded = true;
        },
      });
    } finally {
      if (own.lost || own.discarded) {
        if (this.own === opening) this.own = undefined;
        void own.client.end().catch(() => undefined);
      } else {
        this.idle = setTimeout(() => void this.close(), IDLE_MS);
        this.idle.unref();
      }
    }
  }
}

async function open(Client: NonNullable<PgPoolLike['Client']>, options: unknown): Promise<Own> {
  const client = new Client(options);
  const own: Own = { client, lost: undefined, discarded: false };
  // Unhandled, a dropped connection's 'error' would crash the process; the statement in progress rejects instead.
  client.on('error', (error) => (own.lost ??= error));
  client.on('end', () => (own.lost ??= new Error('the connection closed')));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return own;
}
