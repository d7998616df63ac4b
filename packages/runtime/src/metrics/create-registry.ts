import { Registry, collectDefaultMetrics } from "prom-client";

/**
 * prom-client's default metrics include three gauges named `_total`, which
 * Prometheus reserves for counters (`promtool check metrics` flags them). The
 * same numbers stay available, split by type, as nodejs_active_{handles,requests,resources}.
 */
const MISNAMED_DEFAULT_GAUGES = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/** One registry per process, built in main.ts, with Node's default metrics. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  // Every series says which service wrote it, whatever scrapes it: the alert rules and the Grafana
  // dashboard key on `service`, so the same ones serve docker compose (jobs poller and worker) and
  // Kubernetes (one PodMonitor, job and namespace of its own) with no relabelling in either.
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  return registry;
}
