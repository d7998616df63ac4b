import { startSandbox } from "../start-sandbox.js";
import type { Sandbox } from "../types.js";
import type { CliOptions } from "./cli-options.js";
import { seedDemoRepos, seedExampleIssue } from "./demo-seed.js";

/** Starts the sandbox for `pnpm sandbox`, seeds it if asked, and prints how to reach it. */
export async function runCli(options: CliOptions, print: (line: string) => void): Promise<Sandbox> {
  const sandbox = await startSandbox(options.sandbox);
  const seeded: string[] = [];
  if (options.seed) {
    await seedDemoRepos(sandbox.admin);
    seeded.push("acme/dispatch", "acme/target");
  }
  const exampleIssue = options.exampleIssue ? seedExampleIssue(sandbox.admin) : undefined;
  if (options.json) {
    const { apiUrl, gitUrl, adminUrl, adminToken, tokens, users } = sandbox;
    print(JSON.stringify({ apiUrl, gitUrl, adminUrl, adminToken, tokens, users, seeded, exampleIssue }));
  } else {
    banner(sandbox, seeded, exampleIssue).forEach((line) => print(line));
  }
  return sandbox;
}

function banner(sandbox: Sandbox, seeded: string[], exampleIssue: number | undefined): string[] {
  const { tokens, users } = sandbox;
  const lines = [
    "GitHub sandbox running",
    `  API URL    ${sandbox.apiUrl}   (GITHUB_API_URL / Octokit baseUrl)`,
    `  Git URL    ${sandbox.gitUrl}   (clone_url = <Git URL>/<owner>/<repo>.git)`,
    `  Admin URL  ${sandbox.adminUrl}`,
    "  Tokens",
    `    owner      ${tokens.owner}   (${users.owner}, admin everywhere)`,
    `    read-only  ${tokens.readOnly}   (${users.readOnly}, 403 on writes and pushes)`,
    `    outsider   ${tokens.outsider}   (${users.outsider}, no access)`,
    `    admin      ${sandbox.adminToken}   (for ${sandbox.adminUrl})`,
  ];
  if (seeded.length > 0) lines.push(`  Seeded     ${seeded.join(", ")}`);
  if (exampleIssue !== undefined) lines.push(`  Example    acme/dispatch#${exampleIssue} (label copilot-agent)`);
  lines.push("Press Ctrl+C to stop.");
  return lines;
}
