import { runService } from "@agent-runner/runtime";
import { startPollerService } from "./build-poller.js";
import { pollerConfigSchema } from "./poller-config.js";

runService("poller", pollerConfigSchema, (config, log) => startPollerService(config, log));
