import type { Redis } from "ioredis";

/**
 * Every key matching `pattern` with its whole value as text, whatever its
 * type, so a test can search all that a service stored (job data, failure
 * reasons, stack traces, ledgers, budgets).
 */
export async function dumpKeys(redis: Redis, pattern: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    for (const key of keys) out.set(key, await dumpValue(redis, key));
  } while (cursor !== "0");
  return out;
}

async function dumpValue(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case "string":
      return (await redis.get(key)) ?? "";
    case "hash":
      return JSON.stringify(await redis.hgetall(key));
    case "list":
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case "set":
      return JSON.stringify(await redis.smembers(key));
    case "zset":
      return JSON.stringify(await redis.zrange(key, 0, -1, "WITHSCORES"));
    case "stream":
      return JSON.stringify(await redis.xrange(key, "-", "+"));
    case "none":
      return "";
    default:
      throw new Error(`cannot dump ${key} of type ${type}`);
  }
}
