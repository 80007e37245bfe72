/** How the demo runs, from the environment (see the README's demo section). */
export interface DemoConfig {
  /** `all` (default): HTTP API + workers + relay in one process; `api`: HTTP + relay, no workers; `worker`: workers only. */
  readonly role: 'all' | 'api' | 'worker';
  readonly port: number;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly prefix: string;
  readonly dashboardUser: string;
  readonly dashboardPassword: string;
}

export function demoConfig(redisUrl: string, databaseUrl: string): DemoConfig {
  const role = process.env.ROLE ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new Error(`ROLE must be all, api or worker; received ${role}`);
  }
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
