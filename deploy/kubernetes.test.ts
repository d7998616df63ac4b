import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@agent-runner/core";
import { WEBHOOK_PATH, pollerConfigSchema, pollerEnvShape } from "@agent-runner/poller";
import { createLogger, createRegistry, startOpsServer, type OpsServerOptions } from "@agent-runner/runtime";
import { workerConfigSchema, workerEnvShape } from "@agent-runner/worker";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { PROMETHEUS_RULE_PATH, renderPrometheusRule } from "./kubernetes/prometheus-rule.js";
import { quantityBytes } from "./test-support/kubernetes-quantity.js";
import { schemaViolations } from "./test-support/kubernetes-schemas.js";
import { findKustomize, renderKustomization, type KubernetesObject } from "./test-support/kustomize.js";
import { KNOWN_SERIES, seriesNamesIn } from "./test-support/metric-names.js";
import { containerEnvironment, volumeAt, volumeHolding, type Container, type DeploymentObject } from "./test-support/pod-environment.js";
import { describeRun, repoPath, run, runs } from "./test-support/tools.js";

const OVERLAYS_DIR = repoPath("deploy/kubernetes/overlays");
const ALERT_RULES_PATH = repoPath("deploy/prometheus/alerts.yml");
const OVERLAYS = readdirSync(OVERLAYS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const SERVICES = {
  poller: { schema: pollerConfigSchema, shape: pollerEnvShape, port: 3000 },
  worker: { schema: workerConfigSchema, shape: workerEnvShape, port: 3001 },
} as const;
type ServiceName = keyof typeof SERVICES;

/** The poller's own stop deadline (runService's default): Kubernetes must not SIGKILL it earlier. */
const POLLER_STOP_DEADLINE_SECONDS = 30;
/** A worker gives up stopping TASK_TIMEOUT_SECONDS + this many seconds after SIGTERM (startWorkerService). */
const WORKER_STOP_MARGIN_SECONDS = 30;
/** The uid of the `node` user of the images (Dockerfile). */
const NODE_UID = 1000;

/** The GitHub credentials a service reads from a file, with what a stand-in file holds for the schema to accept it. */
const CREDENTIAL_FILES: readonly (readonly [string, string])[] = [
  ["GITHUB_TOKEN_FILE", "stand-in-token\n"],
  ["GITHUB_APP_PRIVATE_KEY_FILE", "-----BEGIN PRIVATE KEY-----\nstand-in\n-----END PRIVATE KEY-----\n"],
];
/** Every secret a service reads from a file: the credential, and the poller's webhook secret (components/webhook). */
const SECRET_FILES: readonly (readonly [string, string])[] = [...CREDENTIAL_FILES, ["GITHUB_WEBHOOK_SECRET_FILE", "stand-in-webhook-secret-0123456789\n"]];
/** The webhook receiver's port in components/webhook (README: 3002, next to the ops ports 3000 and 3001). */
const WEBHOOK_PORT = 3002;
/** What the kubelet keeps of a container's log by default (containerLogMaxSize 10Mi x containerLogMaxFiles 5). */
const CONTAINER_LOG_BYTES = 50 * 2 ** 20;

const scratch = mkdtempSync(path.join(tmpdir(), "agent-runner-kubernetes-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const renders = new Map<string, KubernetesObject[]>();
/** The objects an overlay renders to, rendered once; fails the test, saying how to get kubectl, if it cannot be. */
function objectsOf(overlay: string): KubernetesObject[] {
  const cached = renders.get(overlay);
  if (cached !== undefined) return cached;
  const tool = findKustomize();
  if ("missing" in tool) expect.fail(tool.missing);
  const objects = renderKustomization(path.join(OVERLAYS_DIR, overlay));
  renders.set(overlay, objects);
  return objects;
}

const ofKind = <T extends KubernetesObject = KubernetesObject>(objects: readonly KubernetesObject[], kind: string) =>
  objects.filter((object) => object.kind === kind) as T[];

function deploymentOf(objects: readonly KubernetesObject[], service: ServiceName): DeploymentObject {
  const found = ofKind<DeploymentObject>(objects, "Deployment").filter((d) => d.metadata.labels?.["app.kubernetes.io/component"] === service);
  expect(found, `one Deployment labelled app.kubernetes.io/component=${service}`).toHaveLength(1);
  return found[0]!;
}

/**
 * The environment a service's container gets, as its config schema reads it. An optional Secret
 * key is left out (the service must start without it); a secret file (the token, the App's
 * private key, the webhook secret) must be on a mounted Secret, and points at a stand-in file here.
 */
function serviceEnvironment(objects: readonly KubernetesObject[], service: ServiceName) {
  const deployment = deploymentOf(objects, service);
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0]!;
  const { variables, missing } = containerEnvironment(container, objects);
  expect(missing, `${service}: envFrom sources that the overlay does not render`).toEqual([]);
  const env: Record<string, string> = {};
  for (const [name, source] of variables) {
    if (source.kind === "value") env[name] = source.value;
    else expect(source.optional, `${service}: ${name} comes from a Secret key that must exist before the pods start`).toBe(true);
  }
  for (const [name, standInContent] of SECRET_FILES) {
    const file = env[name];
    if (file === undefined) continue;
    expect(volumeHolding(pod, container, file)?.secret, `${service}: ${name} ${file} is on a mounted Secret`).toBeDefined();
    const standIn = path.join(scratch, `${service}-${name}`);
    writeFileSync(standIn, standInContent);
    env[name] = standIn;
  }
  return { deployment, pod, container, variables, env };
}

/** The number of a container port given by number or by name (a probe's or a Service's targetPort). */
function containerPortNumber(container: Container, port: string | number | undefined): number | undefined {
  if (typeof port === "number") return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

/** The container ports a Service sends traffic to, resolved against the pods of the Deployment it selects. */
function serviceTargetPorts(service: ServiceObject, container: Container): (number | undefined)[] {
  return service.spec.ports.map((port) => containerPortNumber(container, port.targetPort ?? port.port));
}

function serviceNamed(objects: readonly KubernetesObject[], name: string): ServiceObject | undefined {
  return ofKind<ServiceObject>(objects, "Service").find((service) => service.metadata.name === name);
}

/** The paths of every probe of every container in the rendered overlays. */
function probePaths(): string[] {
  const paths = new Set<string>();
  for (const overlay of OVERLAYS) {
    for (const deployment of ofKind<DeploymentObject>(objectsOf(overlay), "Deployment")) {
      for (const container of deployment.spec.template.spec.containers) {
        for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
          const probePath = probe?.httpGet?.path;
          expect(probePath, `${overlay}: ${container.name} has an HTTP probe of each kind`).toBeDefined();
          paths.add(probePath!);
        }
      }
    }
  }
  return [...paths];
}

describe("deploy/kubernetes", () => {
  it("has the PAT and GitHub App overlays, the command-agent and webhook examples, and finds a way to render them (kubectl kustomize)", () => {
    expect(OVERLAYS).toEqual(expect.arrayContaining(["pat", "github-app", "pat-command-agent", "pat-webhook"]));
    const tool = findKustomize();
    if ("missing" in tool) expect.fail(tool.missing);
  });

  it("carries the alert rules of deploy/prometheus/alerts.yml as its PrometheusRule, generated from them", async () => {
    const alerts = readFileSync(ALERT_RULES_PATH, "utf8");
    const rendered = renderPrometheusRule(alerts);
    expect((parse(rendered) as { spec: { groups: unknown } }).spec.groups).toEqual((parse(alerts) as { groups: unknown }).groups);
    // The committed file is exactly that rendering (`vitest -u` rewrites it).
    await expect(rendered).toMatchFileSnapshot(repoPath(PROMETHEUS_RULE_PATH));
  });

  it("probes only paths that the ops server every service runs answers (started here, asked over HTTP)", async () => {
    const paths = probePaths();
    expect(paths).toEqual(expect.arrayContaining(["/healthz", "/readyz"]));
    // The Bull Board's queue is only read when someone opens the board: a stand-in that passes as BullMQ's will do.
    const queue = { name: "tasks", metaValues: { version: "bullmq:5" } } as unknown as OpsServerOptions["queue"];
    const server = await startOpsServer({
      port: 0,
      host: "127.0.0.1",
      registry: createRegistry("poller"),
      readiness: () => Promise.resolve({ ready: true, checks: {} }),
      queue,
      bullBoard: undefined,
      logger: createLogger({ level: "silent", service: "poller", secrets: [] }),
    });
    try {
      const status = async (route: string) => (await fetch(`http://127.0.0.1:${server.port}${route}`)).status;
      // The control: a path the server does not serve is answered 404, so a probe path that was not would fail.
      expect(await status("/no-such-probe")).toBe(404);
      for (const route of paths) expect(await status(route), route).not.toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe.each(OVERLAYS)("the %s overlay", (overlay) => {
  it("renders the poller, the workers, their settings, the ops Service, a PodMonitor, the PrometheusRule and a ScaledObject", () => {
    const kinds = objectsOf(overlay).map((object) => object.kind);
    expect(kinds.filter((kind) => kind === "Deployment")).toHaveLength(2);
    expect(kinds.filter((kind) => kind === "ConfigMap")).toHaveLength(3);
    expect(kinds).toEqual(expect.arrayContaining(["Namespace", "Service", "PodMonitor", "PrometheusRule", "ScaledObject"]));
  });

  it("renders only objects that match their kind's schema", () => {
    for (const object of objectsOf(overlay)) {
      expect(schemaViolations(object), `${object.kind} ${object.metadata.name}`).toBeUndefined();
    }
  });

  it("puts every object in the namespace it creates", () => {
    const objects = objectsOf(overlay);
    const [namespace] = ofKind(objects, "Namespace");
    expect(namespace).toBeDefined();
    for (const object of objects.filter((o) => o.kind !== "Namespace")) {
      expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe(namespace!.metadata.name);
    }
  });

  it.each(Object.keys(SERVICES) as ServiceName[])("hands the %s a configuration it accepts, with no variable it does not read", (service) => {
    const { env, variables } = serviceEnvironment(objectsOf(overlay), service);
    const known = Object.keys(SERVICES[service].shape);
    expect([...variables.keys()].filter((name) => !known.includes(name)), `${service}: variables its schema does not read`).toEqual([]);
    expect(() => loadConfig(SERVICES[service].schema, env)).not.toThrow();
  });

  it.each(Object.keys(SERVICES) as ServiceName[])("gives the %s its GitHub credential as a file on a mounted Secret, never as a value", (service) => {
    const objects = objectsOf(overlay);
    const { env, variables } = serviceEnvironment(objects, service);
    expect(variables.has("GITHUB_TOKEN"), `${service}: GITHUB_TOKEN`).toBe(false);
    expect(variables.has("GITHUB_APP_PRIVATE_KEY"), `${service}: GITHUB_APP_PRIVATE_KEY`).toBe(false);
    expect(variables.has("GITHUB_WEBHOOK_SECRET"), `${service}: GITHUB_WEBHOOK_SECRET`).toBe(false);
    const files = CREDENTIAL_FILES.map(([name]) => name).filter((name) => env[name] !== undefined);
    expect(files, `${service}: exactly one credential file`).toHaveLength(1);
    expect(ofKind(objects, "Secret"), "a Secret in the manifests would put its value in git").toEqual([]);
    const text = stringify(objects);
    expect(text).not.toMatch(/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{10,}|github_pat_|-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  });

  it.each(Object.keys(SERVICES) as ServiceName[])("probes the %s's /healthz (liveness) and /readyz (readiness) on the port it listens on", (service) => {
    const { container, env } = serviceEnvironment(objectsOf(overlay), service);
    const config = loadConfig(SERVICES[service].schema, env);
    expect(config.port).toBe(SERVICES[service].port);
    const opsPort = container.ports?.find((port) => port.name === "ops");
    expect(opsPort?.containerPort, `${service}: the ops port`).toBe(config.port);
    expect(container.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "ops" });
    expect(container.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "ops" });
    expect(container.startupProbe?.httpGet).toEqual({ path: "/healthz", port: "ops" });
  });

  it("gives a worker longer to stop than it takes itself (TASK_TIMEOUT_SECONDS + 30 s), and the poller more than its 30 s", () => {
    const objects = objectsOf(overlay);
    const worker = serviceEnvironment(objects, "worker");
    const taskTimeoutSeconds = loadConfig(workerConfigSchema, worker.env).taskTimeoutMs / 1000;
    expect(worker.pod.terminationGracePeriodSeconds).toBeGreaterThan(taskTimeoutSeconds + WORKER_STOP_MARGIN_SECONDS);
    expect(serviceEnvironment(objects, "poller").pod.terminationGracePeriodSeconds).toBeGreaterThan(POLLER_STOP_DEADLINE_SECONDS);
  });

  it("runs one poller, replaced by Recreate, and leaves the number of workers to the ScaledObject", () => {
    const objects = objectsOf(overlay);
    const poller = deploymentOf(objects, "poller");
    expect(poller.spec.replicas).toBe(1);
    expect(poller.spec.strategy?.type).toBe("Recreate");
    expect(deploymentOf(objects, "worker").spec.replicas).toBeUndefined();
  });

  it.each(Object.keys(SERVICES) as ServiceName[])("runs the %s as uid 1000, read-only, unprivileged, with /tmp on an emptyDir", (service) => {
    const { pod, container, env } = serviceEnvironment(objectsOf(overlay), service);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: NODE_UID, runAsGroup: NODE_UID });
    expect(pod["automountServiceAccountToken"]).toBe(false);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(container.securityContext?.["privileged"]).not.toBe(true);
    expect((container.securityContext?.["capabilities"] as { add?: unknown } | undefined)?.add).toBeUndefined();
    expect(volumeAt(pod, container, "/tmp")?.emptyDir, "/tmp").toBeDefined();
    if (service === "worker") expect(volumeAt(pod, container, env["WORKSPACE_DIR"] ?? "")?.emptyDir, "WORKSPACE_DIR").toBeDefined();
    for (const volume of pod.volumes ?? []) expect(volume["hostPath"], volume.name).toBeUndefined();
  });

  it.each(Object.keys(SERVICES) as ServiceName[])("reserves the %s's ephemeral storage for its emptyDirs' sizeLimits and its log, and limits it to that", (service) => {
    const { pod, container } = serviceEnvironment(objectsOf(overlay), service);
    const volumes = (pod.volumes ?? []).map((volume) => volume.emptyDir).filter((emptyDir) => emptyDir !== undefined && emptyDir["medium"] !== "Memory");
    expect(volumes.length, `${service}: disk-backed emptyDirs`).toBeGreaterThan(0);
    const sizeLimits = volumes.map((emptyDir) => quantityBytes(emptyDir!["sizeLimit"] as string));
    const needed = sizeLimits.reduce((sum, bytes) => sum + bytes, 0) + CONTAINER_LOG_BYTES;
    const requested = quantityBytes(container.resources?.requests?.["ephemeral-storage"] ?? 0);
    const limit = quantityBytes(container.resources?.limits?.["ephemeral-storage"] ?? 0);
    // Requested in full, so the scheduler finds the disk and disk pressure evicts others first...
    expect(requested, `${service}: the request covers every emptyDir's sizeLimit and the log`).toBeGreaterThanOrEqual(needed);
    // ...and limited to the same, with at most 1Gi of slack: a volume past its sizeLimit is what evicts the pod.
    expect(limit, `${service}: the limit`).toBe(requested);
    expect(requested - needed, `${service}: room beyond the volumes and the log`).toBeLessThanOrEqual(2 ** 30);
  });

  it("pins every image to a release, and the PAT overlay to the images release-images.yml publishes", () => {
    for (const service of Object.keys(SERVICES) as ServiceName[]) {
      const image = deploymentOf(objectsOf(overlay), service).spec.template.spec.containers[0]?.image ?? "";
      expect(image, service).toMatch(/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[\w.-]+|@sha256:[a-f0-9]{64})$/);
      expect(image, service).not.toMatch(/:latest$/);
      if (overlay === "pat") expect(image, service).toMatch(new RegExp(`^ghcr\\.io/[a-z0-9-]+/agent-runner-${service}:\\d+\\.\\d+\\.\\d+$`));
    }
  });

  it("scrapes the poller and every worker with a PodMonitor that leaves the services' own service label alone", () => {
    const objects = objectsOf(overlay);
    const [monitor] = ofKind<PodMonitorObject>(objects, "PodMonitor");
    expect(ofKind(objects, "ServiceMonitor")).toEqual([]);
    for (const service of Object.keys(SERVICES) as ServiceName[]) {
      const template = deploymentOf(objects, service).spec.template;
      expect(template.metadata.labels, service).toMatchObject(monitor!.spec.selector.matchLabels);
      for (const endpoint of monitor!.spec.podMetricsEndpoints) {
        expect(template.spec.containers[0]?.ports?.map((port) => port.name), service).toContain(endpoint.port);
        expect(endpoint.path ?? "/metrics").toBe("/metrics");
        expect((endpoint.relabelings ?? []).map((relabel) => relabel.targetLabel)).not.toContain("service");
      }
    }
  });

  it("scales workers on the queue depth in their own namespace, one pod per WORKER_CONCURRENCY jobs, with a fallback", () => {
    const objects = objectsOf(overlay);
    const [scaled] = ofKind<ScaledObjectObject>(objects, "ScaledObject");
    const worker = serviceEnvironment(objects, "worker");
    expect(scaled!.spec.scaleTargetRef.name).toBe(worker.deployment.metadata.name);
    const [trigger] = scaled!.spec.triggers;
    expect(scaled!.spec.triggers).toHaveLength(1);
    expect(trigger?.type).toBe("prometheus");
    const query = trigger?.metadata.query ?? "";
    expect(/namespace="([^"]+)"/.exec(query)?.[1], "the query's namespace").toBe(worker.deployment.metadata.namespace);
    expect(query).toContain("agent_runner_queue_jobs{");
    for (const state of ["waiting", "active", "delayed"]) expect(query, `counts ${state} jobs`).toMatch(new RegExp(`state=~"[^"]*\\b${state}\\b`));
    expect(Number(trigger?.metadata.threshold)).toBe(loadConfig(workerConfigSchema, worker.env).workerConcurrency);
    expect(trigger?.metadata.ignoreNullValues).toBe("false");
    expect(scaled!.spec.fallback?.replicas).toBeGreaterThan(0);
    expect(scaled!.spec.minReplicaCount).toBeGreaterThanOrEqual(0);
    expect(scaled!.spec.maxReplicaCount).toBeGreaterThanOrEqual(Math.max(1, scaled!.spec.minReplicaCount ?? 0));
  });

  it("scales on a query that promtool parses and that selects only series the services export", () => {
    const [scaled] = ofKind<ScaledObjectObject>(objectsOf(overlay), "ScaledObject");
    const query = scaled!.spec.triggers[0]?.metadata.query ?? "";
    expect(seriesNamesIn(query).filter((name) => !KNOWN_SERIES.has(name))).toEqual([]);
    if (!runs("promtool", ["--version"])) expect.fail("promtool is not installed: apt-get install -y prometheus (CI installs it)");
    const file = path.join(scratch, `${overlay}-keda-query.yml`);
    writeFileSync(file, stringify({ groups: [{ name: "keda", rules: [{ record: "keda:query", expr: query }] }] }));
    const args = ["check", "rules", file];
    const result = run("promtool", args);
    expect(result.status, describeRun("promtool", args, result)).toBe(0);
  });
});

describe("the agent sandbox on Kubernetes", () => {
  const workerOf = (overlay: string) => serviceEnvironment(objectsOf(overlay), "worker");
  const namespaceLabels = (overlay: string) => ofKind(objectsOf(overlay), "Namespace")[0]?.metadata.labels ?? {};

  it("keeps the PAT overlay at the Pod Security level restricted: RuntimeDefault seccomp, no user-namespace settings", () => {
    const { pod, container } = workerOf("pat");
    expect(pod.securityContext?.["seccompProfile"]).toEqual({ type: "RuntimeDefault" });
    expect(container.securityContext?.["seccompProfile"]).toBeUndefined();
    expect(pod.hostUsers).toBeUndefined();
    expect(namespaceLabels("pat")["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("gives the command handler's bubblewrap what it needs: own user namespace, unmasked /proc, unconfined seccomp and AppArmor", () => {
    const { pod, container, env } = workerOf("pat-command-agent");
    expect(loadConfig(workerConfigSchema, env).change.handler).toBe("command");
    expect(pod.hostUsers).toBe(false);
    expect(container.securityContext).toMatchObject({
      procMount: "Unmasked",
      seccompProfile: { type: "Unconfined" },
      appArmorProfile: { type: "Unconfined" },
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(namespaceLabels("pat-command-agent")["pod-security.kubernetes.io/enforce"]).toBe("privileged");
  });

  it("leaves the poller as locked down as without the sandbox", () => {
    const plain = serviceEnvironment(objectsOf("pat"), "poller");
    const withSandbox = serviceEnvironment(objectsOf("pat-command-agent"), "poller");
    expect(withSandbox.pod.securityContext).toEqual(plain.pod.securityContext);
    expect(withSandbox.container.securityContext).toEqual(plain.container.securityContext);
  });
});

describe("the poller's webhook receiver on Kubernetes (components/webhook)", () => {
  const WEBHOOK_OVERLAY = "pat-webhook";
  const OPS_SERVICE = "agent-runner-poller";
  const WEBHOOK_SERVICE = "agent-runner-poller-webhook";
  const poller = () => serviceEnvironment(objectsOf(WEBHOOK_OVERLAY), "poller");

  it("is off unless an overlay adds the component: the pat overlay's poller has no webhook port, secret or Service", () => {
    const objects = objectsOf("pat");
    const { container, env } = serviceEnvironment(objects, "poller");
    expect(loadConfig(pollerConfigSchema, env).webhook).toBeUndefined();
    expect(container.ports?.map((port) => port.containerPort)).not.toContain(WEBHOOK_PORT);
    expect(serviceNamed(objects, WEBHOOK_SERVICE)).toBeUndefined();
  });

  it("receives deliveries in the pat-webhook example: the poller accepts its rendered environment and listens where the webhook Service sends them", () => {
    const { container, env } = poller();
    const config = loadConfig(pollerConfigSchema, env);
    expect(config.webhook?.port).toBe(WEBHOOK_PORT);
    expect(containerPortNumber(container, "webhook"), "the container port named webhook").toBe(config.webhook?.port);
    const service = serviceNamed(objectsOf(WEBHOOK_OVERLAY), WEBHOOK_SERVICE);
    expect(service, WEBHOOK_SERVICE).toBeDefined();
    expect(service!.spec.selector).toEqual(deploymentOf(objectsOf(WEBHOOK_OVERLAY), "poller").spec.selector.matchLabels);
    expect(serviceTargetPorts(service!, container)).toEqual([config.webhook?.port]);
  });

  it("reads the webhook secret from a mounted Secret the poller cannot start without, never from a value", () => {
    const { pod, container, variables } = poller();
    const file = variables.get("GITHUB_WEBHOOK_SECRET_FILE");
    expect(file?.kind).toBe("value");
    const volume = volumeHolding(pod, container, file?.kind === "value" ? file.value : "");
    expect(volume?.secret?.secretName).toBe("agent-runner-github-webhook");
    expect(volume?.secret?.optional, "an optional Secret would start the poller with webhooks half-configured").not.toBe(true);
    expect(variables.has("GITHUB_WEBHOOK_SECRET")).toBe(false);
  });

  it("keeps the ops Service (Bull Board, /metrics) off the webhook port, and the webhook Service on it alone", () => {
    const objects = objectsOf(WEBHOOK_OVERLAY);
    const { container } = poller();
    const ops = serviceNamed(objects, OPS_SERVICE);
    const webhook = serviceNamed(objects, WEBHOOK_SERVICE);
    expect(serviceTargetPorts(ops!, container)).toEqual([SERVICES.poller.port]);
    expect(serviceTargetPorts(webhook!, container)).toEqual([WEBHOOK_PORT]);
    // Both select the poller's pods, so a port of one is not reachable through the other.
    expect(webhook!.spec.ports.map((port) => port.port)).toEqual([WEBHOOK_PORT]);
    expect(ops!.spec.ports.map((port) => port.port)).not.toContain(WEBHOOK_PORT);
  });

  it("routes its Ingress example over TLS, on the receiver's one path, to the webhook Service only", () => {
    const ingresses = ofKind<IngressObject>(objectsOf(WEBHOOK_OVERLAY), "Ingress");
    expect(ingresses).toHaveLength(1);
    const { spec } = ingresses[0]!;
    expect(spec.defaultBackend, "a default backend would route every other path too").toBeUndefined();
    const tlsHosts = (spec.tls ?? []).flatMap((tls) => (tls.secretName === undefined ? [] : (tls.hosts ?? [])));
    expect(spec.rules.length).toBeGreaterThan(0);
    for (const rule of spec.rules) {
      expect(tlsHosts, `TLS for ${rule.host}`).toContain(rule.host);
      for (const route of rule.http.paths) {
        expect(route).toMatchObject({ path: WEBHOOK_PATH, pathType: "Exact" });
        expect(route.backend.service.name).toBe(WEBHOOK_SERVICE);
        expect([WEBHOOK_PORT, "webhook"]).toContain(route.backend.service.port.number ?? route.backend.service.port.name);
      }
    }
  });
});

type ServiceObject = KubernetesObject & {
  spec: { selector: Record<string, string>; ports: { name?: string; port: number; targetPort?: string | number }[] };
};
type IngressObject = KubernetesObject & {
  spec: {
    defaultBackend?: unknown;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules: {
      host: string;
      http: { paths: { path: string; pathType: string; backend: { service: { name: string; port: { number?: number; name?: string } } } }[] };
    }[];
  };
};
type ScaledObjectObject = KubernetesObject & {
  spec: {
    scaleTargetRef: { name: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    fallback?: { failureThreshold: number; replicas: number };
    triggers: { type: string; metadata: Record<string, string> }[];
  };
};
type PodMonitorObject = KubernetesObject & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    podMetricsEndpoints: { port: string; path?: string; relabelings?: { targetLabel?: string }[] }[];
  };
};
