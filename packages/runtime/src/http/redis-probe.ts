import type { RedisConnection } from "../redis/create-redis-connection.js";

/**
 * Whether Redis answers PING within `timeoutMs`. The services' connections
 * queue commands while Redis is away (BullMQ needs that), so a bare ping
 * would wait for the reconnect and a readiness probe would hang instead of
 * answering "not ready".
 */
export async function redisAnswers(redis: RedisConnection, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = redis.ping().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
