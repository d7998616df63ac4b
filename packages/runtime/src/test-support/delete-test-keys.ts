import { Redis } from "ioredis";

/**
 * Deletes every key matching `pattern` from the Redis at `url`, with a
 * connection of its own (SCAN, never FLUSH: the Redis is shared). The test
 * kit has the same for the system tests; the runtime cannot depend on it.
 */
export async function deleteTestKeys(url: string, pattern: string): Promise<void> {
  const cleaner = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await cleaner.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await cleaner.del(...keys);
    } while (cursor !== "0");
  } finally {
    cleaner.disconnect();
  }
}
