import { redisAnswersAt, RedisServerProcess } from "@agent-runner/test-kit";

export interface DemoRedis {
  readonly url: string;
  readonly started: boolean;
  stop(): Promise<void>;
}

/** Uses the Redis at `url` when it answers; otherwise starts a private redis-server. */
export async function redisForDemo(url: string): Promise<DemoRedis> {
  if (await redisAnswersAt(url)) return { url, started: false, stop: async () => undefined };
  const server = await RedisServerProcess.start({ maxmemoryPolicy: "noeviction" });
  return {
    url: server.url,
    started: true,
    async stop() {
      await server.stop();
      await server.destroy();
    },
  };
}
