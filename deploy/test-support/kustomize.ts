import { parseAllDocuments } from "yaml";
import { describeRun, run, runs } from "./tools.js";

/** The parts of a rendered Kubernetes object the deploy tests read; the rest stays `unknown`. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** kubectl's built-in kustomize renders what these manifests use (components, labels) from v1.27 on. */
const MINIMUM_KUBECTL_MINOR = 27;
const HOW_TO_GET =
  "install kubectl 1.27 or newer (https://kubernetes.io/docs/tasks/tools/, or the kubectl package of Kubernetes' apt repository; " +
  "Debian's kubernetes-client is too old) or the standalone kustomize v5 binary (https://kubectl.docs.kubernetes.io/installation/kustomize/)";

/** `kubectl kustomize DIR` or `kustomize build DIR`, whichever is installed and new enough; else why not. */
export function findKustomize(): { command: string; args: (dir: string) => string[] } | { missing: string } {
  const version = run("kubectl", ["version", "--client", "-o", "json"]);
  if (version.status === 0) {
    const minor = Number(/"minor":\s*"(\d+)/.exec(version.stdout)?.[1] ?? 0);
    if (minor >= MINIMUM_KUBECTL_MINOR) return { command: "kubectl", args: (dir) => ["kustomize", dir] };
    if (!runs("kustomize", ["version"])) return { missing: `kubectl 1.${minor} is too old to render these manifests: ${HOW_TO_GET}` };
  }
  if (runs("kustomize", ["version"])) return { command: "kustomize", args: (dir) => ["build", dir] };
  return { missing: `neither kubectl nor kustomize is installed: ${HOW_TO_GET}` };
}

/** Renders a kustomization directory into its objects, or throws with kustomize's own output. */
export function renderKustomization(dir: string): KubernetesObject[] {
  const tool = findKustomize();
  if ("missing" in tool) throw new Error(tool.missing);
  const args = tool.args(dir);
  const result = run(tool.command, args);
  if (result.status !== 0) throw new Error(describeRun(tool.command, args, result));
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null);
}
