import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";

export type RedisConnection = Redis | Cluster;

export interface RedisConnectionOptions {
  readonly url: string;
  /** host:port seeds; non-empty (or a redis+cluster:// URL) selects Redis Cluster. */
  readonly clusterNodes?: readonly string[];
  readonly logger?: Logger;
  readonly connectionName?: string;
  /** Redis AUTH for a URL that carries no password (REDIS_PASSWORD); the URL's own wins. */
  readonly password?: string | undefined;
}

/**
 * One ioredis connection (standalone or cluster) configured the way BullMQ
 * needs it: commands wait for a reconnect instead of failing after N retries,
 * and reconnects back off up to 5 s so an outage never becomes a busy loop.
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const base: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: options.connectionName,
    // ioredis fills an option from the URL first: this applies only where the URL has none.
    ...(options.password === undefined ? {} : { password: options.password }),
    retryStrategy: (attempt) => {
      const delay = Math.min(200 * 2 ** Math.min(attempt, 5), 5000);
      if (attempt === 1 || attempt % 10 === 0) {
        options.logger?.warn({ attempt, delayMs: delay }, "Redis unreachable, retrying");
      }
      return delay;
    },
  };
  const cluster = clusterTarget(options);
  if (cluster !== undefined) {
    return new Cluster(cluster.seeds, {
      redisOptions: { ...base, username: cluster.username, password: cluster.password ?? options.password },
      clusterRetryStrategy: base.retryStrategy,
      enableReadyCheck: true,
    });
  }
  return new Redis(options.url, base);
}

interface ClusterTarget {
  seeds: { host: string; port: number }[];
  username: string | undefined;
  password: string | undefined;
}

/**
 * Redis Cluster is selected by REDIS_CLUSTER_NODES (`host:port,...`) or by a
 * `redis+cluster://[user:pass@]host:port,host:port` URL (which `new URL` cannot
 * parse because of the list of hosts).
 */
export function clusterTarget(options: Pick<RedisConnectionOptions, "url" | "clusterNodes">): ClusterTarget | undefined {
  const match = URL_PARTS.exec(options.url);
  const isClusterUrl = options.url.startsWith("redis+cluster://");
  const credentials = redisUrlCredentials(options.url);
  const fromUrl = isClusterUrl ? (match?.[2]?.split(",") ?? []) : [];
  const list = (options.clusterNodes ?? []).length > 0 ? [...(options.clusterNodes ?? [])] : fromUrl;
  if (list.length === 0) return undefined;
  const seeds = list.map((node) => {
    const [host, port] = node.trim().split(":");
    return { host: host === undefined || host === "" ? "127.0.0.1" : host, port: Number(port ?? 6379) };
  });
  return { seeds, ...credentials };
}

const URL_PARTS = /^redis(?:s|\+cluster)?:\/\/(?:([^@/]*)@)?([^/?#]+)/;

/** The user and password a Redis URL carries (`redis://user:pass@host`, any of its schemes): secrets to scrub. */
export function redisUrlCredentials(url: string): { username: string | undefined; password: string | undefined } {
  const [user, pass] = (URL_PARTS.exec(url)?.[1] ?? "").split(":");
  return {
    username: user === undefined || user === "" ? undefined : decoded(user),
    password: pass === undefined || pass === "" ? undefined : decoded(pass),
  };
}

/** A malformed escape (`%zz`) is taken as written rather than failing the service's start. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The `maxmemory-policy` BullMQ needs is noeviction; anything else can silently drop jobs. */
export async function checkEvictionPolicy(redis: RedisConnection, logger: Logger): Promise<string | undefined> {
  try {
    const nodes = redis instanceof Cluster ? redis.nodes("master") : [redis];
    const first = nodes[0];
    if (first === undefined) return undefined;
    const reply: unknown = await first.config("GET", "maxmemory-policy");
    const policy = Array.isArray(reply) && typeof reply[1] === "string" ? reply[1] : undefined;
    if (policy !== undefined && policy !== "noeviction") {
      logger.warn({ policy }, "Redis maxmemory-policy is not noeviction: queued jobs may be evicted under memory pressure");
    }
    return policy;
  } catch (error) {
    logger.debug({ err: error }, "could not read Redis maxmemory-policy (CONFIG may be disabled)");
    return undefined;
  }
}
