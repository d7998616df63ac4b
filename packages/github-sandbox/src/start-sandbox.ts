import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminHttpHandler } from "./admin/admin-http-handler.js";
import type { SandboxInfo } from "./admin/admin-methods.js";
import { createSandboxAdmin } from "./admin/sandbox-admin.js";
import { ApiHandler } from "./api/api-handler.js";
import { RequestLog } from "./api/request-log.js";
import { Router } from "./api/router.js";
import { FaultRegistry } from "./faults/fault-registry.js";
import { GitHttpHandler } from "./git/git-http-handler.js";
import { PrimaryRateLimit } from "./limits/primary-rate-limit.js";
import { SecondaryRateLimit } from "./limits/secondary-rate-limit.js";
import { createOpenApiValidator, type ResponseValidator } from "./openapi/openapi-validator.js";
import { allRoutes } from "./routes/all-routes.js";
import type { SandboxRuntime } from "./sandbox-runtime.js";
import { sandboxRequestListener, type SandboxHandlers } from "./sandbox-server.js";
import { sandboxUrls, type SandboxUrls } from "./sandbox-urls.js";
import { IdSequence } from "./state/id-sequence.js";
import { IssueService } from "./state/issue-service.js";
import { PullService } from "./state/pull-service.js";
import { ReviewCommentService } from "./state/review-comment-service.js";
import { SandboxState } from "./state/sandbox-state.js";
import { UserDirectory } from "./state/user-directory.js";
import type { Sandbox, SandboxAdmin, SandboxOptions } from "./types.js";
import { WebhookDispatcher } from "./webhooks/webhook-dispatcher.js";

/** Starts a sandbox on its own HTTP server; see README for what it serves. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "github-sandbox-")));
  await mkdir(dataDir, { recursive: true });
  const validator = await resolveValidator(options.validateResponses);
  const users = new UserDirectory(new IdSequence(), options.users, options.tokens);
  const adminToken = options.adminToken ?? `sbx_admin_${randomBytes(16).toString("hex")}`;

  let urls: SandboxUrls = sandboxUrls("http://127.0.0.1");
  const runtime = buildRuntime(dataDir, users, () => urls, options, validator);
  const admin = createSandboxAdmin(runtime);
  const children = new Set<ChildProcess>();
  const info = (): SandboxInfo => ({ apiUrl: urls.api, gitUrl: urls.git, adminUrl: urls.admin, tokens: users.tokens, users: users.roles });
  const handlers = createHandlers(runtime, { validator, children, admin, info, adminTokens: new Set([adminToken, users.tokens.owner]) });
  const server = createServer(sandboxRequestListener(handlers, () => urls.origin));
  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, options.port ?? 0, host);
  urls = sandboxUrls(options.publicUrl?.replace(/\/+$/, "") ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`);

  return {
    apiUrl: urls.api,
    gitUrl: urls.git,
    adminUrl: urls.admin,
    adminToken,
    dataDir,
    tokens: users.tokens,
    users: users.roles,
    admin,
    close: () => closeSandbox(server, children, runtime.webhooks, ownsDataDir ? dataDir : undefined),
  };
}

function createHandlers(
  runtime: SandboxRuntime,
  extra: {
    validator: ResponseValidator | undefined;
    children: Set<ChildProcess>;
    admin: SandboxAdmin;
    info: () => SandboxInfo;
    adminTokens: ReadonlySet<string>;
  },
): SandboxHandlers {
  const { json, state, issues, pulls, primaryLimit } = runtime;
  return {
    api: new ApiHandler({
      router: new Router(allRoutes()),
      services: { json, state, issues, pulls, primaryLimit },
      secondaryLimit: runtime.secondaryLimit,
      faults: runtime.faults,
      log: runtime.log,
      latencyMs: () => runtime.settings.latencyMs,
      validator: extra.validator,
    }),
    git: new GitHttpHandler({ state, faults: runtime.faults, log: runtime.log, children: extra.children }),
    admin: new AdminHttpHandler({ admin: extra.admin, info: extra.info, acceptedTokens: extra.adminTokens }),
  };
}

function buildRuntime(
  dataDir: string,
  users: UserDirectory,
  urls: () => SandboxUrls,
  options: SandboxOptions,
  validator: ResponseValidator | undefined,
): SandboxRuntime {
  const state = new SandboxState(dataDir, users, new IdSequence());
  // Serializers read the URLs late: they are only known once the server listens.
  const json = { get urls() { return urls(); }, state };
  const log = new RequestLog();
  const webhooks = new WebhookDispatcher(json, (event, action, payload) => {
    const errors = validator?.validateWebhook(event, action, payload) ?? [];
    if (errors.length > 0) log.addViolation({ method: "WEBHOOK", route: `${event}.${action}`, path: "", status: 0, errors });
  });
  const pulls = new PullService(state);
  return {
    get urls() { return urls(); },
    state,
    json,
    issues: new IssueService(state, webhooks),
    pulls,
    reviewComments: new ReviewCommentService(state, pulls, webhooks),
    primaryLimit: new PrimaryRateLimit(options.rateLimit),
    secondaryLimit: new SecondaryRateLimit(),
    faults: new FaultRegistry(),
    log,
    webhooks,
    settings: { latencyMs: options.latencyMs ?? 0 },
  };
}

async function resolveValidator(option: SandboxOptions["validateResponses"]): Promise<ResponseValidator | undefined> {
  if (option === true) return createOpenApiValidator();
  return option || undefined;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function closeSandbox(server: Server, children: Set<ChildProcess>, webhooks: WebhookDispatcher, ownedDataDir: string | undefined): Promise<void> {
  webhooks.stop();
  for (const child of children) child.kill("SIGKILL");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  if (ownedDataDir) await rm(ownedDataDir, { recursive: true, force: true });
}
