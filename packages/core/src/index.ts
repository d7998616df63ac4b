// The domain: what a task is, how it is named and parsed, how failures are
// classified, the ports adapters implement, and the configuration schema.
// Depends on zod only.
export * from "./config/load-config.js";
export * from "./config/env-fields.js";
export * from "./config/common-env.js";
export * from "./errors/permanent-errors.js";
export * from "./errors/task-timeout-error.js";
export * from "./errors/final-task-failure.js";
export * from "./errors/git-remote-error.js";
export * from "./errors/github-api-error.js";
export * from "./errors/classify-error.js";
export * from "./task/task-id.js";
export * from "./task/branch-naming.js";
export * from "./task/repo-name.js";
export * from "./task/parse-dispatch-issue.js";
export * from "./task/task-job.js";
export * from "./task/follow-up.js";
export * from "./task/trust.js";
export * from "./task/task-markers.js";
export * from "./task/runner-identity.js";
export * from "./task/done-report.js";
export * from "./task/task-result.js";
export * from "./ports/github-client.js";
export * from "./ports/github-request-observer.js";
export * from "./ports/github-token-source.js";
export * from "./ports/git-workspace.js";
export * from "./ports/task-queue.js";
export * from "./ports/task-processor.js";
export * from "./ports/push-ledger.js";
export * from "./ports/task-runs.js";
export * from "./ports/own-comment-tally.js";
export * from "./ports/reconcile-ledger.js";
export * from "./ports/follow-up-backlog.js";
export * from "./secrets/scrub-secrets.js";
export * from "./secrets/secret-set.js";
export * from "./time/sleep.js";
