import { redisForTests, type TestRedis } from "./redis-for-tests.js";

/**
 * vitest globalSetup: finds the run's Redis once (redisForTests) and hands it to every test file
 * through REDIS_URL, which the test workers inherit and `REDIS_URL` (redis-keys.ts) reads.
 * Whatever was started for the run (a container, a redis-server) is stopped at its end.
 * A second project of the same run finds REDIS_URL set and shares that Redis.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const redis: TestRedis = await redisForTests(process.env);
  process.env["REDIS_URL"] = redis.url;
  if (redis.source !== "REDIS_URL") console.log(`tests use Redis from ${redis.source} at ${redis.url}`);
  return () => redis.close();
}
