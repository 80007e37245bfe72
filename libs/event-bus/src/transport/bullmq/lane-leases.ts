import type { Redis } from 'ioredis';

/**
 * The Redis side of lane sharing: which consuming processes are alive for a lane group (a sorted set scored by the
 * time each one's lease runs out) and which of them owns each lane (a hash, lane queue name → member id). Both keys
 * carry the group's hash tag, so one script touches them on a Redis Cluster.
 */
export function leaseKeys(prefix: string, group: string): { members: string; owners: string } {
  const base = `${prefix}:{${group}.lane-owners}`;
  return { members: `${base}:members`, owners: `${base}:owners` };
}

/** The pub/sub channel on which a change of a group's owners is announced (the message is the group). */
export const lanesChangedChannel = (prefix: string): string => `${prefix}:lanes:changed`;

/**
 * One heartbeat of a member, atomically: renew (or, leaving, drop) its lease, forget members whose lease ran out,
 * hand back the lanes above its fair share, take free lanes (released, or of a dead member) up to its share, and
 * announce the change if there was one. The share of member i (members sorted by id) of N, for L lanes, is
 * floor(L/N), plus one for the first L mod N members: every member computes the same split, so they converge
 * without talking to each other.
 *
 * KEYS[1] members zset, KEYS[2] owners hash. ARGV[1] member id, ARGV[2] lease ms, ARGV[3] 'beat' | 'leave',
 * ARGV[4] channel, ARGV[5] group, ARGV[6..] the group's lane queue names.
 * Returns { lanes owned now, lanes taken from a dead member, ms until the next lease of another member runs out
 * (-1: none) }.
 */
const HEARTBEAT = `
local members, owners = KEYS[1], KEYS[2]
local me, lease, mode = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', members, '-inf', now)
local joined = 0
if mode == 'leave' then
  redis.call('ZREM', members, me)
else
  joined = redis.call('ZADD', members, now + lease, me)
end
local live = redis.call('ZRANGE', members, 0, -1)
table.sort(live)
local index = {}
for i, member in ipairs(live) do index[member] = i end
local lanes = #ARGV - 5
local share = 0
if index[me] then
  share = math.floor(lanes / #live)
  if index[me] <= lanes % #live then share = share + 1 end
end
local mine, free, orphaned, taken = {}, {}, {}, {}
for i = 6, #ARGV do
  local lane = ARGV[i]
  local owner = redis.call('HGET', owners, lane)
  if owner == me then
    table.insert(mine, lane)
  elseif not owner then
    table.insert(free, lane)
  elseif not index[owner] then
    table.insert(free, lane)
    orphaned[lane] = true
  end
end
local changed = joined
while #mine > share do
  redis.call('HDEL', owners, table.remove(mine))
  changed = 1
end
for _, lane in ipairs(free) do
  if #mine >= share then break end
  redis.call('HSET', owners, lane, me)
  table.insert(mine, lane)
  if orphaned[lane] then table.insert(taken, lane) end
  changed = 1
end
local keep = math.max(lease * 3, 60000)
redis.call('PEXPIRE', members, keep)
redis.call('PEXPIRE', owners, keep)
if changed == 1 then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
local nextExpiry = -1
local soonest = redis.call('ZRANGE', members, 0, 1, 'WITHSCORES')
for i = 1, #soonest, 2 do
  if soonest[i] ~= me then
    nextExpiry = math.max(0, tonumber(soonest[i + 1]) - now)
    break
  end
end
return { mine, taken, nextExpiry }`;

/**
 * Puts a lane's active jobs whose lock is gone (their worker died) back at the head of the lane at once, as BullMQ's
 * stalled check would (counting the stall, failing a job stalled more than `maxStalledCount` times when fetched),
 * without waiting for two checks a `stalledInterval` apart. A job whose lock still exists is left alone: its worker
 * may be alive. Returns { jobs moved, ms until the longest remaining lock expires (0: none) }.
 *
 * KEYS[1] active, KEYS[2] wait, KEYS[3] marker, KEYS[4] events, KEYS[5] meta. ARGV[1] the queue's key prefix,
 * ARGV[2] maxStalledCount.
 */
const RECLAIM = `
local moved, wait = 0, 0
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local jobKey = ARGV[1] .. id
  local ttl = redis.call('PTTL', jobKey .. ':lock')
  if ttl == -2 then
    if redis.call('LREM', KEYS[1], 1, id) > 0 then
      if redis.call('HINCRBY', jobKey, 'stc', 1) > tonumber(ARGV[2]) then
        redis.call('HSET', jobKey, 'defa', 'job stalled more than allowable limit')
      end
      redis.call('RPUSH', KEYS[2], id)
      redis.call('XADD', KEYS[4], '*', 'event', 'stalled', 'jobId', id)
      moved = moved + 1
    end
  elseif ttl > wait then
    wait = ttl
  end
end
if moved > 0 and redis.call('HEXISTS', KEYS[5], 'paused') == 0 then redis.call('ZADD', KEYS[3], 0, '0') end
return { moved, wait }`;

type LeaseCommands = Redis & {
  busLaneHeartbeat(members: string, owners: string, ...args: string[]): Promise<[string[], string[], number]>;
  busLaneReclaim(
    active: string,
    wait: string,
    marker: string,
    events: string,
    meta: string,
    prefix: string,
    maxStalled: string,
  ): Promise<[number, number]>;
};

const defined = new WeakSet<object>();

/** The client with the lease scripts defined on it (once per client). */
export function leaseCommands(client: Redis): LeaseCommands {
  if (!defined.has(client)) {
    client.defineCommand('busLaneHeartbeat', { numberOfKeys: 2, lua: HEARTBEAT });
    client.defineCommand('busLaneReclaim', { numberOfKeys: 5, lua: RECLAIM });
    defined.add(client);
  }
  return client as LeaseCommands;
}
