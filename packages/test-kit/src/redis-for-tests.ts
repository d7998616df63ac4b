import { startRedisContainer } from "./redis-container.js";
import { dockerApiAnswers, dockerSocketPath } from "./docker-endpoint.js";
import { redisAnswersAt } from "./redis-ping.js";
import { RedisServerProcess } from "./redis-server-process.js";

/** Where a test run's Redis came from. */
export type TestRedisSource = "REDIS_URL" | "testcontainers" | "local redis" | "private redis-server";

export interface TestRedis {
  readonly url: string;
  readonly source: TestRedisSource;
  /** Stops what was started for the run (a container, a redis-server); a given Redis is left alone. */
  close(): Promise<void>;
}

/** The machine's own Redis, which most of this project's machines run (never flushed: keys are prefixed). */
const LOCAL_REDIS_URL = "redis://127.0.0.1:6379";

/**
 * The Redis a test run uses, in this order:
 *  1. REDIS_URL, when given (CI and developers point it at the machine's Redis);
 *  2. a Redis container from testcontainers, when a Docker API answers (DOCKER_HOST, or Docker's
 *     socket); REDIS_TEST_IMAGE names the image (default redis:7; a local image on offline machines);
 *  3. the local Redis on 127.0.0.1:6379 when it answers, else a private redis-server process.
 */
export async function redisForTests(env: NodeJS.ProcessEnv = process.env): Promise<TestRedis> {
  const given = env["REDIS_URL"];
  if (given !== undefined && given !== "") return { url: given, source: "REDIS_URL", close: async () => undefined };

  if (await dockerApiAnswers(dockerSocketPath(env))) {
    const container = await startRedisContainer(env["REDIS_TEST_IMAGE"] || undefined);
    return { url: container.url, source: "testcontainers", close: () => container.close() };
  }

  if (await redisAnswersAt(LOCAL_REDIS_URL)) return { url: LOCAL_REDIS_URL, source: "local redis", close: async () => undefined };
  const server = await RedisServerProcess.start({ maxmemoryPolicy: "noeviction" });
  return { url: server.url, source: "private redis-server", close: () => server.destroy() };
}
