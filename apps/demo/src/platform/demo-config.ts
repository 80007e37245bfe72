import { StartupError } from '../../../../tools/startup.error';

/** How the demo runs, from the environment (see the README's demo section). */
export interface DemoConfig {
  /** `all` (default): HTTP API + workers + relay in one process; `api`: HTTP + relay, no workers; `worker`: workers only. */
  readonly role: 'all' | 'api' | 'worker';
  readonly port: number;
  /** The Redis of the BullMQ transport; `undefined` runs the bus on the in-memory transport (no dashboard). */
  readonly redisUrl: string | undefined;
  readonly databaseUrl: string;
  readonly prefix: string;
  readonly dashboardUser: string;
  readonly dashboardPassword: string;
}

/** Reads the environment; `redisUrl` is the Redis found (none: the in-memory transport). */
export function demoConfig(redisUrl: string | undefined, databaseUrl: string): DemoConfig {
  const role = demoRole(redisUrl !== undefined);
  return {
    role,
    port: Number(process.env.PORT ?? 3000),
    redisUrl,
    databaseUrl,
    prefix: process.env.BUS_PREFIX ?? 'demo',
    dashboardUser: process.env.DASHBOARD_USER ?? 'admin',
    dashboardPassword: process.env.DASHBOARD_PASSWORD ?? 'admin',
  };
}

/** ROLE, checked: one of all, api, worker, and only `all` without Redis (the processes would share nothing). */
export function demoRole(withRedis: boolean): DemoConfig['role'] {
  const role = process.env.ROLE ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new StartupError(`ROLE must be all, api or worker; received ${role}.`);
  }
  if (role !== 'all' && !withRedis) {
    throw new StartupError(
      `ROLE=${role} needs Redis (the api and worker processes share its queues), and there is none: set REDIS_URL, ` +
        `install redis-server, or leave ROLE unset to run everything in one process on the in-memory transport.`,
    );
  }
  return role;
}
