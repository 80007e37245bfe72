/**
 * `npm run bench:cost`: what one process of an app with 50 async handlers (10 partitioned, 8 lanes each) costs:
 * Redis connections (`CLIENT LIST` on a Redis of its own, so every client but this script's is the app's), RSS, CPU
 * while idle over 10 s, Redis commands per second meanwhile, and boot time. Writes bench/results/cost.md.
 * `--runs=N` (default 3) boots the app N times; the table shows the median and the range. Then one boot of each way
 * to make it cheaper: 4 lanes instead of 8, and the 10 partitioned handlers sharing one lane group.
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer } from '../tools/local-redis';
import { HANDLERS, LANES, PARTITIONED } from './cost-app';

const IDLE_MS = 10_000;

/** Cheaper shapes of the same app, one boot each. */
const VARIANTS: readonly [string, Record<string, string>][] = [
  [`${PARTITIONED} partitioned handlers with 4 lanes each`, { COST_LANES: '4' }],
  [`${PARTITIONED} partitioned handlers in one lane group (${LANES} lanes in all)`, { COST_GROUP: '1' }],
];

interface Sample {
  readonly connections: number;
  readonly rssMb: number;
  readonly idleCpuPercent: number;
  readonly redisCommandsPerSecond: number;
  readonly bootMs: number;
  readonly processStartMs: number;
}

interface Usage {
  readonly rss: number;
  readonly cpuMicros: number;
}

async function main(): Promise<void> {
  const runs = Number(process.argv.find((arg) => arg.startsWith('--runs='))?.slice('--runs='.length) ?? 3);
  const redis = await startRedisServer();
  const client = new Redis(redis.url);
  try {
    const samples: Sample[] = [];
    for (let run = 0; run < runs; run++) samples.push(await measureOnce(redis.url, client, {}));
    const variants: [string, Sample][] = [];
    for (const [label, env] of VARIANTS) variants.push([label, await measureOnce(redis.url, client, env)]);
    const table = `${render(samples)}\n\n${renderVariants(samples, variants)}`;
    process.stdout.write(`${table}\n`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'cost.md'), `${table}\n`);
  } finally {
    await client.quit();
    await redis.stop();
  }
}

async function measureOnce(url: string, client: Redis, env: Record<string, string>): Promise<Sample> {
  const spawned = performance.now();
  const child = fork(join(__dirname, 'cost-app.ts'), [], {
    execArgv: ['-r', '@swc-node/register'],
    env: { ...process.env, ...env, REDIS_URL: url, BUS_PREFIX: `cost${randomBytes(4).toString('hex')}` },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  try {
    const bootMs = await booted(child);
    const processStartMs = Math.round(performance.now() - spawned);
    const before = await usage(child);
    const commandsBefore = await commandsProcessed(client);
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS)); // the idle period being measured
    const after = await usage(child);
    const elapsed = performance.now() - t0;
    const commands = (await commandsProcessed(client)) - commandsBefore;
    return {
      connections: await appConnections(client),
      rssMb: after.rss / 1024 / 1024,
      idleCpuPercent: ((after.cpuMicros - before.cpuMicros) / 1000 / elapsed) * 100,
      redisCommandsPerSecond: commands / (elapsed / 1000),
      bootMs,
      processStartMs,
    };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** Every client of this Redis but this script's own. */
async function appConnections(client: Redis): Promise<number> {
  const own = await client.client('ID');
  const lines = String(await client.client('LIST'))
    .split('\n')
    .filter((line) => line.startsWith('id='));
  return lines.filter((line) => !line.startsWith(`id=${own} `)).length;
}

async function commandsProcessed(client: Redis): Promise<number> {
  const info = await client.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}

function booted(child: ReturnType<typeof fork>): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the app did not boot within 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /booted (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited with code ${code}:\n${output}`));
    });
  });
}

function usage(child: ReturnType<typeof fork>): Promise<Usage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to "measure" within 5 s')), 5_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as Usage);
    });
    child.send('measure');
  });
}

function render(samples: readonly Sample[]): string {
  const row = (label: string, pick: (sample: Sample) => number, digits = 0) => {
    const values = samples.map(pick).sort((a, b) => a - b);
    const median = values[Math.floor(values.length / 2)]!;
    const range = `${values[0]!.toFixed(digits)}–${values[values.length - 1]!.toFixed(digits)}`;
    return `| ${label} | ${median.toFixed(digits)} | ${range} |`;
  };
  return [
    `Cost of one process: ${HANDLERS} async handlers, ${PARTITIONED} of them partitioned with ${LANES} lanes, ` +
      `role 'both', ${samples.length} boot(s), idle ${IDLE_MS / 1000} s (Node ${process.version}).`,
    '',
    '| measure | median | range |',
    '| --- | --- | --- |',
    row('Redis connections', (s) => s.connections),
    row('RSS after idling (MB)', (s) => s.rssMb),
    row('CPU while idle (% of one core)', (s) => s.idleCpuPercent, 1),
    row('Redis commands/s while idle', (s) => s.redisCommandsPerSecond),
    row('boot: Nest app created and initialised (ms)', (s) => s.bootMs),
    row('boot: process spawned to app ready (ms)', (s) => s.processStartMs),
  ].join('\n');
}

function renderVariants(base: readonly Sample[], variants: readonly [string, Sample][]): string {
  const median = (pick: (sample: Sample) => number) =>
    base.map(pick).sort((a, b) => a - b)[Math.floor(base.length / 2)]!;
  const rows = [
    `| as measured above (median) | ${median((s) => s.connections)} | ${median((s) => s.rssMb).toFixed(0)} | ` +
      `${median((s) => s.idleCpuPercent).toFixed(1)} | ${median((s) => s.bootMs)} |`,
    ...variants.map(
      ([label, s]) =>
        `| ${label} | ${s.connections} | ${s.rssMb.toFixed(0)} | ${s.idleCpuPercent.toFixed(1)} | ${s.bootMs} |`,
    ),
  ];
  return [
    '| shape (one boot each) | Redis connections | RSS (MB) | idle CPU (%) | boot (ms) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
