import type { StartedTestContainer } from "testcontainers";

export interface RedisContainer {
  /** `redis://127.0.0.1:<mapped port>`, reachable from this process. */
  readonly url: string;
  readonly containerId: string;
  /** Stops and removes the container (Ryuk may be off: nothing else cleans up). */
  close(): Promise<void>;
}

/** What the tests run when nothing else is said: the public image, as the design card names it. */
const DEFAULT_REDIS_TEST_IMAGE = "redis:7";

/**
 * A throwaway Redis in a container, started with testcontainers against whatever Docker API
 * DOCKER_HOST (or Docker's default socket) names. `image` may be a local one (`localhost/…`):
 * testcontainers pulls only what the engine does not have. No persistence, no eviction, as the
 * production Redis is configured (docker-compose.yml).
 */
export async function startRedisContainer(image = DEFAULT_REDIS_TEST_IMAGE): Promise<RedisContainer> {
  // Loaded only on this path: testcontainers brings dockerode and ssh2, which other test runs never need.
  const { GenericContainer, Wait } = await import("testcontainers");
  const container: StartedTestContainer = await new GenericContainer(image)
    .withCommand(["redis-server", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .withStartupTimeout(60_000)
    .start();
  return {
    // The engine is local (a unix socket: docker-endpoint.ts) and publishes the port on every host
    // interface: loopback, not the address testcontainers guesses (on podman, its bridge gateway).
    url: `redis://127.0.0.1:${container.getMappedPort(6379)}`,
    containerId: container.getId(),
    async close() {
      await container.stop({ remove: true, removeVolumes: true });
    },
  };
}
