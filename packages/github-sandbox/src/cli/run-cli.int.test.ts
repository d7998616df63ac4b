import { describe, expect, it } from "vitest";
import { createAdminClient } from "../admin/admin-client.js";
import { octokitFor } from "../test-support/octokit-for.js";
import { parseCliOptions } from "./cli-options.js";
import { runCli } from "./run-cli.js";

describe("pnpm sandbox", () => {
  it("prints the API URL, the git URL and the tokens", async () => {
    const lines: string[] = [];
    const sandbox = await runCli(parseCliOptions([], {}), (line) => lines.push(line));
    try {
      const text = lines.join("\n");
      for (const expected of [sandbox.apiUrl, sandbox.gitUrl, sandbox.adminUrl, sandbox.adminToken, ...Object.values(sandbox.tokens)]) {
        expect(text).toContain(expected);
      }
    } finally {
      await sandbox.close();
    }
  });

  it("seeds acme/dispatch and acme/target and an example dispatch issue that a poller would pick up", async () => {
    const lines: string[] = [];
    const sandbox = await runCli(parseCliOptions(["--example-issue", "--json"], {}), (line) => lines.push(line));
    try {
      const printed = JSON.parse(lines[0] ?? "{}") as { apiUrl: string; tokens: { owner: string }; adminToken: string; seeded: string[]; exampleIssue: number };
      expect(printed.apiUrl).toBe(sandbox.apiUrl);
      expect(printed.seeded).toEqual(["acme/dispatch", "acme/target"]);
      const octokit = octokitFor(sandbox, printed.tokens.owner);
      const { data } = await octokit.issues.listForRepo({ owner: "acme", repo: "dispatch", labels: "copilot-agent", sort: "created", direction: "asc" });
      expect(data.map((issue) => issue.number)).toEqual([printed.exampleIssue]);
      expect(data[0]?.body).toContain("<!-- agent_task_metadata");
      const admin = createAdminClient(sandbox.adminUrl, printed.adminToken);
      expect(await admin.readFile("acme", "target", "main", "src/hello.txt")).toBe("hello\n");
    } finally {
      await sandbox.close();
    }
  });
});
