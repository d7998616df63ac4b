import { sleep, type WriteBudget } from "@agent-runner/core";
import type { RedisConnection } from "./create-redis-connection.js";

/**
 * A fleet-wide spacing limiter (GCRA with no burst): every writer in every
 * process reserves the next free slot in one Redis key, then sleeps until it.
 * One round trip per write, one key (cluster-safe), and fair in arrival order.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextFree)
redis.call('SET', KEYS[1], slot + interval, 'PX', interval * 4 + 60000)
return slot - now
`;

export class RedisWriteBudget implements WriteBudget {
  private readonly intervalMs: number;

  constructor(
    private readonly redis: RedisConnection,
    private readonly key: string,
    writesPerMinute: number,
  ) {
    this.intervalMs = Math.ceil(60_000 / writesPerMinute);
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    const wait = Number(await this.redis.eval(RESERVE, 1, this.key, String(this.intervalMs)));
    if (wait > 0) await sleep(wait, signal);
  }
}
