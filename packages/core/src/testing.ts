// Hand-written fakes of the ports, for unit tests in any package.
export * from "./testing/fake-github-client.js";
export * from "./testing/fake-git-workspace.js";
export * from "./testing/fake-task-queue.js";
export * from "./testing/memory-push-ledger.js";
export * from "./testing/memory-task-runs.js";
export * from "./testing/memory-own-comment-tally.js";
export * from "./testing/memory-reconcile-ledger.js";
export * from "./testing/fake-task-job-inspector.js";
export * from "./testing/memory-follow-up-backlog.js";
