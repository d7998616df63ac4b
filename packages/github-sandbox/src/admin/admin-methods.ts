import type { SandboxAdmin } from "../types.js";

/** Every SandboxAdmin method, callable as `POST /_admin/rpc/<name>` with `{ "args": [...] }`. */
export const ADMIN_METHODS = [
  "createRepo",
  "getRepo",
  "createUser",
  "registerApp",
  "installationTokens",
  "createIssue",
  "updateIssue",
  "createComment",
  "deleteComment",
  "createReviewComment",
  "listReviewComments",
  "getIssue",
  "listIssues",
  "listComments",
  "listPulls",
  "getPull",
  "mergePull",
  "closePull",
  "listBranches",
  "commitFiles",
  "createBranch",
  "deleteBranch",
  "readFile",
  "commitCount",
  "requestLog",
  "clearRequestLog",
  "injectFault",
  "clearFaults",
  "setLatency",
  "setRateLimit",
  "setSecondaryLimit",
  "secondaryLimitHits",
  "violations",
  "setWebhook",
  "deliveries",
  "flushWebhooks",
] as const satisfies ReadonlyArray<keyof SandboxAdmin>;

// Fails to compile when SandboxAdmin gains a method that the HTTP API does not expose.
type Unexposed = Exclude<keyof SandboxAdmin, (typeof ADMIN_METHODS)[number]>;
export const ADMIN_METHODS_COMPLETE: [Unexposed] extends [never] ? true : Unexposed = true;

/** What `GET /_admin/info` answers: enough for another process to use the sandbox. */
export interface SandboxInfo {
  apiUrl: string;
  gitUrl: string;
  adminUrl: string;
  tokens: { owner: string; readOnly: string; outsider: string };
  users: { owner: string; readOnly: string; outsider: string };
}
