import { Redis } from "ioredis";

/** True when a Redis at `url` answers PING now (one attempt, no retries; a server still loading answers false). */
export async function redisAnswersAt(url: string, connectTimeoutMs = 1_000): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: connectTimeoutMs });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
