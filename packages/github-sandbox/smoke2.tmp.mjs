import { startSandbox } from "/work/main/packages/github-sandbox/dist/index.js";
import { Octokit } from "@octokit/rest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
const sb = await startSandbox({ validateResponses: true });
const git = (cwd, ...args) => execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_AUTHOR_NAME: "a", GIT_AUTHOR_EMAIL: "a@b", GIT_COMMITTER_NAME: "a", GIT_COMMITTER_EMAIL: "a@b" }, stdio: ["ignore", "pipe", "pipe"] });
try {
  const repo = await sb.admin.createRepo({ owner: "acme", name: "target" });
  const u = new URL(repo.clone_url); u.username = "x-access-token"; u.password = sb.tokens.owner;
  const dir = mkdtempSync("/tmp/clone-");
  git(dir, "clone", u.toString(), "w");
  const w = dir + "/w";
  git(w, "checkout", "-b", "feature");
  writeFileSync(w + "/f.txt", "x".repeat(3_000_000) + Math.random());
  git(w, "add", "."); git(w, "commit", "-m", "f");
  console.log(git(w, "push", "origin", "feature"));
  console.log(await sb.admin.listBranches("acme", "target"));
  const o = new Octokit({ baseUrl: sb.apiUrl, auth: sb.tokens.owner });
  const p = await o.pulls.create({ owner: "acme", repo: "target", head: "acme:feature", base: "main", title: "x" });
  console.log(p.data.head.sha, p.data.commits, p.data.additions, p.data.mergeable);
  try { await o.pulls.create({ owner: "acme", repo: "target", head: "feature", base: "main", title: "x" }); } catch (e) { console.log(e.status, JSON.stringify(e.response.data.errors)); }
  const ro = new URL(repo.clone_url); ro.username = "x"; ro.password = sb.tokens.readOnly;
  git(w, "remote", "add", "ro", ro.toString());
  try { git(w, "push", "ro", "feature:other"); } catch (e) { console.log("ro push failed:", e.stderr); }
  try { git(dir, "clone", repo.clone_url, "anon"); } catch (e) { console.log("anon failed:", e.stderr); }
  console.log((await o.pulls.list({ owner: "acme", repo: "target", head: "acme:feature" })).data.length);
  await sb.admin.mergePull("acme", "target", p.data.number);
  console.log(sb.admin.listPulls("acme","target").map(p => [p.state, p.merged, p.merge_commit_sha]));
  console.log(await sb.admin.commitCount("acme","target","main"));
  console.log(JSON.stringify(sb.admin.violations(), null, 1).slice(0, 3000));
  console.log(sb.admin.requestLog().map(e => `${e.kind} ${e.route} ${e.status} ${e.user}`).join("\n"));
} finally { await sb.close(); }
