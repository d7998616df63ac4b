import { runService } from "@agent-runner/shared";
import { startWorkerService } from "./build-worker.js";

runService("worker", (config, log) => startWorkerService(config, log));
