// What other packages (system tests, bench, deploy checks) may use of the poller.
// Running it is `main.ts`.
export { startPollerService, type PollerService } from "./build-poller.js";
export { pollerConfigSchema, pollerEnvShape, type PollerConfig } from "./poller-config.js";
export { POLLER_METRICS } from "./poller-metrics.js";
export { RECONCILE_METRICS } from "./reconcile-metrics.js";
export { WEBHOOK_PATH } from "./webhook-receiver.js";
