import { Redis } from "ioredis";
import { REDIS_URL } from "@agent-runner/test-kit";

export function connectRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
}

export async function redisVersion(redis: Redis): Promise<string> {
  const info = await redis.info("server");
  return /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
}
