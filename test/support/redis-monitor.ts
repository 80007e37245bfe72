import { Redis } from 'ioredis';
import { redisUrl } from './bus-app';

/** One command a client sent to Redis, as MONITOR reports it. */
export interface MonitoredCommand {
  readonly source: string;
  readonly args: string[];
}

/**
 * Records every command Redis executes while it runs (MONITOR), so a test can prove what a call wrote, how many
 * round trips it took, or that it wrote nothing. `stop()` ends with a marker command, so every command sent
 * before `stop()` is in the list.
 */
export async function monitorRedis(): Promise<{ commands: MonitoredCommand[]; stop(): Promise<MonitoredCommand[]> }> {
  const client = new Redis(redisUrl());
  const monitor = await client.monitor();
  const commands: MonitoredCommand[] = [];
  const marker = `monitor-end-${Math.random().toString(36).slice(2)}`;
  let done: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (done = resolve));
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    // Commands run by Lua scripts are reported too; a test counts what clients sent.
    if (source === 'lua') return;
    if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) done();
    else commands.push({ source, args });
  });
  return {
    commands,
    stop: async () => {
      await client.echo(marker);
      await ended;
      monitor.disconnect();
      await client.quit();
      return commands;
    },
  };
}

/** Commands whose arguments mention the prefix (keys of one test's queues). */
export function touching(commands: readonly MonitoredCommand[], prefix: string): MonitoredCommand[] {
  return commands.filter((command) => command.args.some((arg) => arg.includes(`${prefix}:`)));
}
