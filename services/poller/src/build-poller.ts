import {
  buildServiceFoundation,
  redisAnswers,
  startOpsServer,
  type Logger,
  type OpsServer,
} from "@agent-runner/runtime";
import { RedisAnswerLedger } from "./answer-ledger.js";
import { DispatchPoller } from "./dispatch-poller.js";
import { PollLoop } from "./poll-loop.js";
import type { PollerConfig } from "./poller-config.js";
import { createPollerMetrics } from "./poller-metrics.js";

export interface PollerService {
  readonly ops: OpsServer;
  readonly loop: PollLoop;
  stop(): Promise<void>;
}

/** Wires the poller from a loaded config: every dependency is built here and passed down. */
export async function startPollerService(config: PollerConfig, log: Logger, fetchImpl?: typeof fetch): Promise<PollerService> {
  const { registry, redis, queue, github } = buildServiceFoundation(config, log, fetchImpl === undefined ? {} : { fetch: fetchImpl });
  const metrics = createPollerMetrics(registry);
  const poller = new DispatchPoller({
    github,
    queue,
    ledger: new RedisAnswerLedger(redis, config.queuePrefix),
    policy: {
      dispatchRepo: config.dispatchRepo,
      processedLabel: config.processedLabel,
      allowedTargetRepos: config.allowedTargetRepos,
      trustedAuthorAssociations: config.trustedAuthorAssociations,
      trustedAuthors: config.trustedAuthors,
    },
    dispatchLabel: config.dispatchLabel,
    metrics,
    log,
  });
  const loop = new PollLoop(poller, { intervalMs: config.pollIntervalMs, log, metrics });
  const ops = await startOpsServer({
    port: config.port,
    registry,
    queue: queue.queue,
    bullBoard: config.bullBoard,
    logger: log,
    readiness: async () => {
      const redisOk = await redisAnswers(redis);
      const fresh = loop.isFresh();
      return {
        ready: redisOk && fresh,
        checks: { redis: { ok: redisOk }, poll: { ok: fresh, detail: fresh ? "recent" : "no successful poll recently" } },
      };
    },
  });
  loop.start();
  return {
    ops,
    loop,
    async stop() {
      await loop.stop();
      await ops.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
