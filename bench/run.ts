/**
 * `npm run bench [-- --quick] [-- --only=1,2]`: runs each scenario's contenders interleaved, several rounds, and
 * reports medians and ratios as a markdown table on stdout and in bench/results/(latest|quick).md.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startLocalRedis } from '../tools/local-redis';
import { asyncPublish } from './async-publish.bench';
import { endToEnd } from './end-to-end.bench';
import { filterFalse } from './filter-false.bench';
import { inbox } from './inbox.bench';
import { laneSharing } from './lane-sharing.bench';
import { latency } from './latency.bench';
import { memory } from './memory.bench';
import { outbox } from './outbox.bench';
import { partitioned } from './partitioned.bench';
import { syncPublish } from './sync-publish.bench';
import { allPass, renderMarkdown, renderTable, Row } from './support/report';
import { redisVersion } from './support/redis-tools';
import { BenchSettings, Scenario } from './support/scenario';

const SCENARIOS: readonly { id: string; run: Scenario }[] = [
  { id: '1', run: syncPublish },
  { id: '2', run: asyncPublish },
  { id: '3', run: endToEnd },
  { id: '4', run: partitioned },
  { id: '5', run: outbox },
  { id: '6', run: memory },
  { id: '7', run: filterFalse },
  { id: '8', run: inbox },
  { id: '9', run: laneSharing },
  { id: '10', run: latency },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const revision = gitRevision(); // before this run writes its results
  const redis = await startLocalRedis();
  const started = Date.now();
  try {
    const settings: BenchSettings = { quick, rounds: quick ? 3 : 5, redisUrl: redis.url };
    const rows: Row[] = [];
    for (const scenario of SCENARIOS) {
      if (only && !only.includes(scenario.id)) continue;
      const t0 = Date.now();
      process.stderr.write(`scenario ${scenario.id}…\n`);
      rows.push(...(await scenario.run(settings)));
      process.stderr.write(`scenario ${scenario.id} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    rows.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    const machine =
      `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ` +
      `Redis ${await redisVersion(redis.url)}`;
    const header = [
      `# Benchmarks (${quick ? 'quick' : 'full'} run)`,
      '',
      `${new Date().toISOString().slice(0, 10)} · ${machine} · ${settings.rounds} interleaved rounds after 1 warm-up ` +
        `round · ${((Date.now() - started) / 1000).toFixed(0)} s`,
      '',
      'Ratio = ours / peer (medians). Rates: higher is better. Memory: lower is better.',
    ].join('\n');
    const markdown = renderMarkdown(rows, header);
    process.stdout.write(`${markdown}\n`);
    if (!only) {
      const dir = join(__dirname, 'results');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, quick ? 'quick.md' : 'latest.md');
      writeFileSync(file, markdown);
      process.stderr.write(`written to ${file}\n`);
      if (!quick)
        appendHistory(join(dir, 'history.md'), rows, revision, machine, settings.rounds, Date.now() - started);
    }
    if (!allPass(rows)) process.stderr.write('some goals are not met (see FAIL rows); timings never fail a build\n');
  } finally {
    await redis.stop();
  }
}

/** The commit this run measures, `+dirty` with uncommitted changes to tracked files. */
function gitRevision(): string {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: __dirname, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown commit';
  return git('status', '--porcelain', '--untracked-files=no') ? `${commit}+dirty` : commit;
}

/** Appends a full run's table to bench/results/history.md, so a regression shows against earlier runs. */
function appendHistory(
  file: string,
  rows: readonly Row[],
  revision: string,
  machine: string,
  rounds: number,
  tookMs: number,
): void {
  const title = existsSync(file)
    ? ''
    : '# Benchmark history\n\nEvery full `npm run bench` appends its table here (newest last).\n';
  const section = [
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${revision}`,
    '',
    `${machine} · ${rounds} rounds · ${(tookMs / 1000).toFixed(0)} s`,
    '',
    renderTable(rows),
  ].join('\n');
  appendFileSync(file, `${title}\n${section}\n`);
  process.stderr.write(`appended to ${file}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
