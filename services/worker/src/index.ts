// What other packages (system tests, bench, deploy checks) may use of the worker.
// Running it is `main.ts`.
export { startWorkerService, type WorkerOverrides, type WorkerService } from "./build-worker.js";
export { workerConfigSchema, workerEnvShape, type WorkerConfig } from "./worker-config.js";
export { WORKER_METRICS } from "./worker-metrics.js";
