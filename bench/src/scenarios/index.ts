import type { ScenarioName } from "../cli-args.js";
import type { Scenario } from "../scenario.js";
import { apiEconomy } from "./api-economy.js";
import { cloneCost } from "./clone-cost.js";
import { enqueueAtScale } from "./enqueue-at-scale.js";
import { throttledCeiling } from "./throttled-ceiling.js";
import { throughputScaling } from "./throughput-scaling.js";
import { triggerLatency } from "./trigger-latency.js";
import { sandboxStartup } from "./sandbox-startup.js";
import { pollingEconomy } from "./polling-economy.js";
import { webhookTrigger } from "./webhook-trigger.js";
import { workerMemory } from "./worker-memory.js";

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  "api-economy": apiEconomy,
  "throughput-scaling": throughputScaling,
  "throttled-ceiling": throttledCeiling,
  "enqueue-at-scale": enqueueAtScale,
  "clone-cost": cloneCost,
  "worker-memory": workerMemory,
  "trigger-latency": triggerLatency,
  "sandbox-startup": sandboxStartup,
  "polling-economy": pollingEconomy,
  "webhook-trigger": webhookTrigger,
};
