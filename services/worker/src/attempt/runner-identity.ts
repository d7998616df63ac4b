// Moved to core: the poller's reconcile sweep tells the runner's own marks from anyone else's by the same rule.
export { RunnerIdentity } from "@agent-runner/core";
