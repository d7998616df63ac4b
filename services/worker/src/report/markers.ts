// The markers moved to core, where the poller's reconcile sweep recognises the runner's reports too.
export { correlationComment, doneMarker, failedMarker, taskIdInBody } from "@agent-runner/core";
