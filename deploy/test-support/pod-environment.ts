import type { KubernetesObject } from "./kustomize.js";

export interface Probe {
  readonly httpGet?: { readonly path?: string; readonly port?: string | number };
}
export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly EnvFromSource[];
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
  readonly securityContext?: Record<string, unknown>;
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string | number>>;
    readonly limits?: Readonly<Record<string, string | number>>;
  };
}
export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean } };
}
export interface EnvFromSource {
  readonly configMapRef?: { readonly name: string; readonly optional?: boolean };
  readonly secretRef?: { readonly name: string; readonly optional?: boolean };
}
export interface Volume {
  readonly name: string;
  readonly emptyDir?: Record<string, unknown>;
  readonly secret?: { readonly secretName: string; readonly optional?: boolean; readonly items?: readonly { key: string; path: string }[] };
  readonly [source: string]: unknown;
}
export interface PodSpec {
  readonly containers: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly securityContext?: Record<string, unknown>;
  readonly terminationGracePeriodSeconds?: number;
  readonly hostUsers?: boolean;
  readonly [field: string]: unknown;
}
export type DeploymentObject = KubernetesObject & {
  readonly spec: {
    readonly replicas?: number;
    readonly strategy?: { readonly type?: string };
    readonly selector: { readonly matchLabels: Record<string, string> };
    readonly template: { readonly metadata: { readonly labels: Record<string, string> }; readonly spec: PodSpec };
  };
};

/** Where one variable of a container's environment comes from. */
export type EnvSource =
  | { readonly kind: "value"; readonly value: string }
  | { readonly kind: "secret"; readonly secret: string; readonly key: string; readonly optional: boolean };

/**
 * A container's environment as Kubernetes assembles it: envFrom sources in order (a later one
 * wins), then `env` (which wins over all of them). ConfigMaps come from the rendered objects; a
 * Secret's keys cannot be known offline, so an envFrom Secret only shows in `secretSources`.
 */
export function containerEnvironment(container: Container, objects: readonly KubernetesObject[]) {
  const variables = new Map<string, EnvSource>();
  const secretSources: { name: string; optional: boolean }[] = [];
  const missing: string[] = [];
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef !== undefined) {
      const configMap = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === source.configMapRef?.name);
      if (configMap === undefined) {
        if (source.configMapRef.optional !== true) missing.push(`ConfigMap ${source.configMapRef.name}`);
        continue;
      }
      for (const [name, value] of Object.entries((configMap["data"] ?? {}) as Record<string, string>)) {
        variables.set(name, { kind: "value", value });
      }
    }
    if (source.secretRef !== undefined) secretSources.push({ name: source.secretRef.name, optional: source.secretRef.optional === true });
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    variables.set(
      variable.name,
      ref === undefined ? { kind: "value", value: variable.value ?? "" } : { kind: "secret", secret: ref.name, key: ref.key, optional: ref.optional === true },
    );
  }
  return { variables, secretSources, missing };
}

/** The volume mounted at the directory holding `file`, if any. */
export function volumeHolding(pod: PodSpec, container: Container, file: string): Volume | undefined {
  const mount = (container.volumeMounts ?? []).find((m) => file.startsWith(`${m.mountPath.replace(/\/$/, "")}/`));
  return mount === undefined ? undefined : pod.volumes?.find((volume) => volume.name === mount.name);
}

/** The volume mounted exactly at `directory`, if any. */
export function volumeAt(pod: PodSpec, container: Container, directory: string): Volume | undefined {
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath.replace(/\/$/, "") === directory.replace(/\/$/, ""));
  return mount === undefined ? undefined : pod.volumes?.find((volume) => volume.name === mount.name);
}
