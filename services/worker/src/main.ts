import { runService } from "@agent-runner/runtime";
import { startWorkerService } from "./build-worker.js";
import { workerConfigSchema } from "./worker-config.js";

runService("worker", workerConfigSchema, (config, log) => startWorkerService(config, log));
