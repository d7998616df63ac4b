import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { redisForTests } from "@agent-runner/test-kit";
import { DockerApi } from "./docker-api.js";

/** The environment of a test run that was given no REDIS_URL. */
function withoutRedisUrl(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides };
  delete env["REDIS_URL"];
  return env;
}

describe("the tests' Redis (redisForTests)", () => {
  it("comes from testcontainers when no REDIS_URL is given and a Docker API answers, and is removed by close()", async () => {
    const docker = DockerApi.fromEnv();
    const image = process.env["REDIS_TEST_IMAGE"];
    expect(image, "REDIS_TEST_IMAGE (scripts/containers/engine-env.sh)").toBeDefined();
    const redis = await redisForTests(withoutRedisUrl());
    let client: Redis | undefined;
    try {
      expect(redis.source).toBe("testcontainers");
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      const port = new URL(redis.url).port;
      // The container testcontainers started: the image asked for, its 6379 published on that port.
      const running = (await docker.allContainers()).filter((c) => c.Image === image && c.Ports?.some((p) => String(p.PublicPort) === port));
      expect(running).toHaveLength(1);

      client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      await client.set("ar-testcontainers-probe", "1");
      expect(await client.get("ar-testcontainers-probe")).toBe("1");
      expect(await client.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
    } finally {
      client?.disconnect();
      await redis.close();
    }
    const left = (await docker.allContainers()).filter((c) => c.Image === image && c.Ports?.some((p) => String(p.PublicPort) === new URL(redis.url).port));
    expect(left).toEqual([]);
  });

  it("falls back to a local Redis when no Docker API answers", async () => {
    const redis = await redisForTests(withoutRedisUrl({ DOCKER_HOST: "unix:///nonexistent/docker.sock" }));
    try {
      expect(["local redis", "private redis-server"]).toContain(redis.source);
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        expect(await client.ping()).toBe("PONG");
      } finally {
        client.disconnect();
      }
    } finally {
      await redis.close();
    }
  });

  it("uses REDIS_URL as given, without probing for Docker", async () => {
    const redis = await redisForTests({ REDIS_URL: "redis://127.0.0.1:1", DOCKER_HOST: process.env["DOCKER_HOST"] });
    expect(redis).toMatchObject({ url: "redis://127.0.0.1:1", source: "REDIS_URL" });
    await redis.close();
  });
});
