import type { PgPoolLike, PgResult, TransactionQuery } from './postgres-outbox.store';
import { withPoolClient } from './postgres-connection';
import { checkInboxTableName, DEFAULT_INBOX_TABLE } from './inbox-schema';
import { InboxStore } from '../contracts/inbox-store';

/** Options of the PostgreSQL inbox stores. */
export interface PostgresInboxOptions {
  /** The inbox table, optionally schema-qualified. Default `durable_bus_inbox`. */
  readonly table?: string;
}

/**
 * The PostgreSQL inbox: `claim` is one `INSERT … ON CONFLICT DO NOTHING` through the handler's transaction (via the
 * ORM, {@link TransactionQuery}), and the count of rows it inserted says whether the delivery is new. A second
 * delivery running at the same time blocks on the first transaction's row (the primary key) until that one ends,
 * then inserts nothing (committed) or goes ahead (rolled back). `prune` runs on a connection of the ORM's pool.
 */
export class PostgresInboxStore implements InboxStore {
  readonly table: string;
  private readonly claimSql: string;

  constructor(
    readonly name: string,
    private readonly pool: () => PgPoolLike,
    private readonly queryInTransaction: TransactionQuery,
    options: PostgresInboxOptions = {},
  ) {
    this.table = checkInboxTableName(options.table ?? DEFAULT_INBOX_TABLE);
    this.claimSql = `WITH inserted AS (
         INSERT INTO ${this.table} (handler_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
       )
       SELECT count(*)::int AS inserted FROM inserted`;
  }

  async claim(transaction: unknown, handlerId: string, eventId: string): Promise<boolean> {
    const rows = rowsOf(await this.queryInTransaction(transaction, this.claimSql, [handlerId, eventId]));
    return Number(rows[0]?.inserted) === 1;
  }

  async prune(retentionMs: number): Promise<number> {
    return withPoolClient(this.pool(), async ({ client }) => {
      const result = (await client.query(
        `WITH deleted AS (
           DELETE FROM ${this.table} WHERE processed_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
           RETURNING 1
         )
         SELECT count(*)::int AS count FROM deleted`,
        [retentionMs],
      )) as PgResult;
      return result.rows[0]!.count as number;
    });
  }
}

/** TypeORM's `query` resolves with the rows, Drizzle's `execute` with node-postgres' result. */
function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return (result as { rows?: Record<string, unknown>[] } | null)?.rows ?? [];
}
