import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { REDIS_URL } from "./paths.js";

/** A queue prefix no one else uses (hash-tagged, as in production). */
export function uniquePrefix(scenario: string): string {
  return `{ar-bench-${scenario}-${randomBytes(4).toString("hex")}}`;
}

export function connectRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
}

/** Deletes every key under `prefix` (SCAN, never FLUSH: the Redis is shared). */
export async function deletePrefixKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  const pattern = `${prefix.replace(/([*?[\]\\])/g, "\\$1")}*`;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== "0");
  return deleted;
}

export async function redisVersion(redis: Redis): Promise<string> {
  const info = await redis.info("server");
  return /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
}
