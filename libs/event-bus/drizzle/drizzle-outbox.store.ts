import { SQL, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import {
  PgPoolLike,
  PostgresOutboxOptions,
  PostgresOutboxStore,
  TransactionQuery,
} from '../src/postgres/postgres-outbox.store';

/** A Drizzle node-postgres database (its `$client` is the pool). */
export type DrizzleNodePgDatabase = NodePgDatabase<Record<string, unknown>> & { $client: unknown };

/**
 * The PostgreSQL outbox for Drizzle on node-postgres (with `@nestjs-cls/transactional-adapter-drizzle-orm`, wrapped
 * in `withEventBus`). Inserts go through the Drizzle transaction (the one `TransactionHost.tx` returns); the relay
 * uses the database's node-postgres pool (`db.$client`). Import from `nestjs-durable-bus/drizzle`.
 */
export class DrizzleOutboxStore extends PostgresOutboxStore {
  constructor(db: DrizzleNodePgDatabase, options: PostgresOutboxOptions = {}) {
    super('drizzle-postgres', () => db.$client as PgPoolLike, drizzleQuery, options);
  }
}

/** A statement through the Drizzle transaction. */
export const drizzleQuery: TransactionQuery = async (transaction, text, params) =>
  (transaction as DrizzleNodePgDatabase).execute(withParams(text, params));

/** `text` with `$1`, `$2`, … as a Drizzle SQL object carrying `params`. */
function withParams(text: string, params: readonly string[]): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, match.index)));
    chunks.push(sql`${params[Number(match[1]) - 1]}`);
    last = match.index + match[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}
