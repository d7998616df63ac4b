// What other packages (system tests, bench, deploy checks) may use of the worker.
// Running it is `main.ts`.
export { startWorkerService, type WorkerOverrides, type WorkerService } from "./build-worker.js";
export { workerConfigSchema, workerEnvShape, type WorkerConfig } from "./worker-config.js";
export { WORKER_METRICS } from "./worker-metrics.js";
// A change step to wrap (WorkerOverrides.handler), and the marks the worker
// leaves on GitHub, so system tests can audit what it wrote.
export { TraceTaskHandler } from "./change/trace-task-handler.js";
export type { ChangeResult, ChangeTask, ChangeWorkspace, TaskHandler } from "./change/task-handler.js";
export { taskIdTrailer } from "./attempt/change-task.js";
export { createAgentSandbox } from "./sandbox/create-agent-sandbox.js";
export { measureSandboxStartup, type SandboxStartupCost } from "./sandbox/measure-startup.js";
