import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, startRedisCluster, waitFor, type RedisClusterProcess } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

describe("the pipeline on a 3-master Redis Cluster", () => {
  let sandbox: Sandbox;
  let cluster: RedisClusterProcess;
  let pipeline: Pipeline | undefined;

  beforeAll(async () => {
    [sandbox, cluster] = await Promise.all([startSandbox(), startRedisCluster(3)]);
  });

  afterAll(async () => {
    await pipeline?.close();
    await cluster?.close();
    await sandbox?.close();
  });

  it("completes tasks with the queue, answers and write budget on the cluster", async () => {
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target" });
    const ids = ["cluster-task-1", "cluster-task-2", "cluster-task-3", "cluster-task-4"];
    const issues = ids.map(
      (id) => sandbox.admin.createIssue("acme", "dispatch", { title: id, body: formatA(id, "acme/target"), labels: ["copilot-agent"] }).number,
    );
    const invalid = sandbox.admin.createIssue("acme", "dispatch", { title: "bad", body: "nothing", labels: ["copilot-agent"] });
    pipeline = await startPipeline({
      sandbox,
      workers: 2,
      env: {
        REDIS_URL: `redis+cluster://${cluster.nodes.join(",")}`,
        // The fleet write budget runs its Lua script on the cluster too.
        GITHUB_WRITES_PER_MINUTE: "6000",
      },
    });
    await waitFor(
      () => issues.every((n) => sandbox.admin.getIssue("acme", "dispatch", n)?.labels.some((l) => l.name === "processed")),
      120_000,
      "every task processed",
    );
    expect(sandbox.admin.listPulls("acme", "target")).toHaveLength(ids.length);
    await waitFor(() => sandbox.admin.listComments("acme", "dispatch", invalid.number).length === 1);
    for (const n of issues) expect(sandbox.admin.listComments("acme", "dispatch", n)).toHaveLength(1);
  });
});
