import { runService } from "@agent-runner/shared";
import { startPollerService } from "./build-poller.js";

runService("poller", (config, log) => startPollerService(config, log));
