import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * The Redis the tests, the bench and the demo share unless REDIS_URL names another. In vitest runs,
 * redis-global-setup.ts sets REDIS_URL first (redisForTests: given, testcontainers, or local).
 */
export const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** A queue prefix no one else uses, hash-tagged as in production: `{ar-<label>-<random>}`. */
export function uniquePrefix(label: string): string {
  return `{ar-${label}-${randomBytes(5).toString("hex")}}`;
}

/** Deletes every key under `prefix` (SCAN, never FLUSH: the Redis is shared); returns how many. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/([*?[\]\\])/g, "\\$1")}*`;
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== "0");
  return deleted;
}
