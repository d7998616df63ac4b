import {
  buildServiceFoundation,
  redisAnswers,
  RedisCancellationLedger,
  RedisPushLedger,
  RedisReconcileLedger,
  RedisFollowUpBacklog,
  RedisTaskRuns,
  startOpsServer,
  type Logger,
  type OpsServer,
  type RedisConnection,
} from "@agent-runner/runtime";
import type { Registry } from "prom-client";
import { OctokitWebhookGateway } from "@agent-runner/github";
import { parseRepoRef, type TaskJob } from "@agent-runner/core";
import { RedisAnswerLedger } from "./answer-ledger.js";
import { RedisDeliveryLedger } from "./delivery-ledger.js";
import { DispatchPoller } from "./dispatch-poller.js";
import { ListingWindow } from "./listing-window.js";
import { pollInterval } from "./poll-interval.js";
import { PollLoop } from "./poll-loop.js";
import { CommentCommands } from "./comment-commands.js";
import { FollowUps } from "./follow-ups.js";
import { PullCommentWatch } from "./pull-comment-watch.js";
import { TaskCanceller } from "./task-canceller.js";
import { TaskPullCloser } from "./task-pull-closer.js";
import { TaskTracker } from "./task-tracker.js";
import type { PollerConfig } from "./poller-config.js";
import { createPollerMetrics } from "./poller-metrics.js";
import { ReconcileLoop } from "./reconcile-loop.js";
import { lazyRunnerIdentity } from "./runner-identity-source.js";
import { createReconcileMetrics } from "./reconcile-metrics.js";
import { Reconciler, type ReconcilerDeps } from "./reconciler.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";

export interface PollerService {
  readonly ops: OpsServer;
  readonly loop: PollLoop;
  /** Cancels a task's current run: what an `issues` closed / unlabeled event calls. */
  readonly canceller: TaskCanceller;
  /** Acts on an `issue_comment` event's comment: `/agent retry`, `/agent cancel` (see DispatchPoller.handleComment). */
  readonly poller: DispatchPoller;
  /** The webhook receiver, when GITHUB_WEBHOOK_SECRET and WEBHOOK_PORT are set. */
  readonly webhooks: WebhookReceiver | undefined;
  /** The reconcile sweep, unless RECONCILE_INTERVAL_SECONDS=0. */
  readonly reconcile: ReconcileLoop | undefined;
  stop(): Promise<void>;
}


/** Wires the poller from a loaded config: every dependency is built here and passed down. */
export async function startPollerService(config: PollerConfig, log: Logger, fetchImpl?: typeof fetch): Promise<PollerService> {
  const { registry, redis, queue, github, ownComments, close } = buildServiceFoundation(config, log, fetchImpl === undefined ? {} : { fetch: fetchImpl });
  const metrics = createPollerMetrics(registry);
  const ledger = new RedisAnswerLedger(redis, config.queuePrefix);
  const runs = new RedisTaskRuns(redis, config.queuePrefix);
  const cancels = new RedisCancellationLedger(redis, config.queuePrefix);
  // One `GET /user` per process, whichever part of the poller asks first.
  const runner = lazyRunnerIdentity(github);
  const canceller = new TaskCanceller({
    github,
    queue,
    runs,
    cancels,
    ledger,
    dispatchRepo: config.dispatchRepo,
    dispatchLabel: config.dispatchLabel,
    commandPrefix: config.commandPrefix,
    pulls: config.closePullOnCancel ? new TaskPullCloser({ github, runs, runner, log }) : undefined,
    log,
  });
  const policy = {
    dispatchRepo: config.dispatchRepo,
    processedLabel: config.processedLabel,
    allowedTargetRepos: config.allowedTargetRepos,
    trustedAuthorAssociations: config.trustedAuthorAssociations,
    trustedAuthors: config.trustedAuthors,
  };
  const tracker = new TaskTracker({ runs, queue, cancels, canceller, log });
  const followUps = new FollowUps({
    github,
    queue,
    runs,
    backlog: new RedisFollowUpBacklog(redis, config.queuePrefix),
    ledger,
    trust: policy,
    prefix: config.commandPrefix,
    // The dispatch issue as it reads now: trust and parsing run again for every follow-up.
    jobFor: async (issueNumber): Promise<TaskJob | undefined> => {
      const issue = await github.getIssue(config.dispatchRepo, issueNumber);
      return issue === undefined ? undefined : poller.jobFor(issue);
    },
    runner,
    metrics,
    log,
  });
  const poller = new DispatchPoller({
    github,
    queue,
    ledger,
    policy,
    dispatchLabel: config.dispatchLabel,
    tracker,
    commands: new CommentCommands({ github, queue, runs, tracker, canceller, ledger, ownComments, policy, prefix: config.commandPrefix, log }),
    followUps: new PullCommentWatch({ github, runs, followUps, lookIntervalMs: config.followUpPollIntervalMs, log }),
    window: new ListingWindow({ sweepIntervalMs: config.fullSweepIntervalMs }),
    metrics,
    log,
  });
  const webhook = config.webhook;
  const receiver =
    webhook === undefined
      ? undefined
      : await startWebhookReceiver({
          port: webhook.port,
          gateway: new OctokitWebhookGateway(webhook.secret),
          deliveries: new RedisDeliveryLedger(redis, config.queuePrefix),
          dispatchRepo: config.dispatchRepo,
          dispatchLabel: config.dispatchLabel,
          offer: (issues) => poller.offer(issues, "event"),
          issueLeft: (issueNumber) => tracker.issueLeft(issueNumber),
          pullComment: ({ repository, pullNumber, comment, review }) => {
            const repo = parseRepoRef(repository);
            if (repo === undefined) return Promise.resolve();
            return followUps.consider([{ repo, issueNumber: pullNumber, comment, ...(review === undefined ? {} : { review }) }], "event");
          },
          metrics,
          log,
        });
  const loop = new PollLoop(poller, {
    intervalMs: config.pollIntervalMs,
    // While deliveries arrive, polls are the safety net and can be rarer.
    currentIntervalMs: () =>
      pollInterval({ pollMs: config.pollIntervalMs, webhookPollMs: webhook?.pollIntervalMs, lastDeliveryAt: receiver?.lastVerifiedAt() }),
    log,
    metrics,
  });
  const reconcile = config.reconcile === undefined ? undefined : buildReconcileLoop(config, config.reconcile, { github, queue, runs, cancels, runner, redis, registry, log });
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
  reconcile?.start();
  return {
    ops,
    loop,
    canceller,
    poller,
    webhooks: receiver,
    reconcile,
    async stop() {
      await receiver?.close();
      await reconcile?.stop();
      await loop.stop();
      await ops.close();
      await close();
    },
  };
}

type ReconcileSettings = NonNullable<PollerConfig["reconcile"]>;
type ReconcileShared = Pick<ReconcilerDeps, "github" | "runs" | "cancels" | "runner"> & {
  queue: ReconcilerDeps["jobs"];
  redis: RedisConnection;
  registry: Registry;
  log: Logger;
};

function buildReconcileLoop(config: PollerConfig, settings: ReconcileSettings, shared: ReconcileShared): ReconcileLoop {
  const { github, queue, runs, cancels, runner, redis, registry, log } = shared;
  const ledger = new RedisReconcileLedger(redis, config.queuePrefix);
  const reconciler = new Reconciler({
    github,
    runs,
    cancels,
    jobs: queue,
    pushes: new RedisPushLedger(redis, config.queuePrefix),
    ledger,
    runner,
    dispatchRepo: config.dispatchRepo,
    dispatchLabel: config.dispatchLabel,
    processedLabel: config.processedLabel,
    deleteOrphanBranches: settings.deleteOrphanBranches,
    stuckJobMs: settings.stuckJobMs,
    metrics: createReconcileMetrics(registry),
    log: log.child({ component: "reconcile" }),
  });
  return new ReconcileLoop(reconciler, { intervalMs: settings.intervalMs, ledger, log });
}
