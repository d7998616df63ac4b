import { Registry, collectDefaultMetrics } from "prom-client";

/** One registry per process, built in main.ts, with Node's default metrics. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
