// What a service process runs on: Redis, the BullMQ adapters, the write
// budget, metrics, the ops HTTP server, logging and the process life cycle.
export * from "./queue/queue-names.js";
export * from "./queue/job-policy.js";
export * from "./queue/bullmq-task-queue.js";
export * from "./queue/bullmq-task-worker.js";
export * from "./redis/create-redis-connection.js";
export * from "./redis/redis-write-budget.js";
export * from "./redis/redis-push-ledger.js";
export * from "./redis/redis-task-runs.js";
export * from "./redis/redis-own-comment-tally.js";
export * from "./redis/redis-reconcile-ledger.js";
export * from "./redis/redis-follow-up-backlog.js";
export * from "./redis/task-run-keys.js";
export * from "./logging/create-logger.js";
export * from "./logging/log-line.js";
export * from "./metrics/create-registry.js";
export * from "./metrics/github-metrics.js";
export * from "./metrics/queue-metrics.js";
export * from "./http/ops-server.js";
export * from "./http/basic-auth.js";
export * from "./http/redis-probe.js";
export * from "./service/run-service.js";
export * from "./service/service-foundation.js";
