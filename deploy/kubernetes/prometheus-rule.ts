import { parse, stringify } from "yaml";

/** Where the compose stack's rules live, and the PrometheusRule made from them. */
export const PROMETHEUS_RULE_PATH = "deploy/kubernetes/components/monitoring/prometheus-rule.yaml";

const HEADER = `# Generated from deploy/prometheus/alerts.yml: edit that file, then regenerate this one with
#   pnpm exec vitest run --project unit deploy/kubernetes.test.ts -u
# (deploy/kubernetes.test.ts fails while the two differ). The rules select on the \`service\` label
# the services set themselves, so they hold for the PodMonitor's targets as for compose's, and
# group by \`namespace\`, so each install in a namespace of its own alerts on its own.
`;

/**
 * The alert rules of deploy/prometheus/alerts.yml as a Prometheus Operator PrometheusRule: the
 * same groups, unchanged, so one set of rules (and one set of promtool unit tests) serves both.
 */
export function renderPrometheusRule(alertsYaml: string): string {
  const { groups } = parse(alertsYaml) as { groups?: unknown };
  if (!Array.isArray(groups) || groups.length === 0) throw new Error("alerts.yml has no rule groups");
  const rule = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "agent-runner", labels: { "app.kubernetes.io/name": "agent-runner" } },
    spec: { groups },
  };
  return HEADER + stringify(rule, { lineWidth: 100 });
}
