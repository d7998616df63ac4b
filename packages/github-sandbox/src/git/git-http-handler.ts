import { spawn, type ChildProcess } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dropConnection } from "../api/http-io.js";
import { tokenFromAuthorization } from "../api/credentials.js";
import type { RequestLog } from "../api/request-log.js";
import type { ActiveFault, FaultRegistry } from "../faults/fault-registry.js";
import type { RepoRecord } from "../state/records.js";
import type { SandboxState } from "../state/sandbox-state.js";
import type { TokenGrant } from "../state/user-directory.js";
import type { RequestLogEntry } from "../types.js";
import { parseCgiHead } from "./cgi-response.js";
import { gitEnv } from "./git-command.js";
import { parseGitRoute, type GitRoute } from "./git-route.js";

const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

export interface GitHttpDeps {
  state: SandboxState;
  faults: FaultRegistry;
  log: RequestLog;
  /** In-flight http-backend processes, killed by close(). */
  children: Set<ChildProcess>;
  backendPath?: string;
}

/**
 * Smart HTTP in front of `git http-backend`, with GitHub's rules: Basic auth with the token as
 * password, 404 for repositories the user cannot see, 403 on push without push access or with a
 * read-only token.
 */
export class GitHttpHandler {
  constructor(private readonly deps: GitHttpDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, gitPath: string): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const route = parseGitRoute(method, gitPath, url.searchParams);
    const entry: RequestLogEntry = {
      kind: "git",
      method,
      route: route?.template ?? "UNKNOWN",
      path: url.pathname,
      query: url.search,
      status: 0,
      rateLimited: false,
      conditional: false,
      at: Date.now(),
      durationMs: 0,
    };
    try {
      await this.run(req, res, url, route, entry);
    } finally {
      entry.durationMs = Date.now() - entry.at;
      this.deps.log.add(entry);
    }
  }

  private async run(req: IncomingMessage, res: ServerResponse, url: URL, route: GitRoute | undefined, entry: RequestLogEntry): Promise<void> {
    if (!route) return this.refuse(req, res, entry, 404, "Not Found");
    const fault = this.deps.faults.take(entry.method, route.template, url.pathname);
    if (fault && !fault.afterAction) return this.answerFault(req, res, entry, fault);

    const grant = this.deps.state.users.grant(tokenFromAuthorization(req.headers.authorization) ?? "");
    if (!grant) {
      res.setHeader("www-authenticate", 'Basic realm="GitHub"');
      return this.refuse(req, res, entry, 401, "Invalid username or token.");
    }
    entry.user = grant.login;
    const repo = this.deps.state.findRepo(route.owner, route.repo);
    if (!repo || this.deps.state.permission(repo, grant.login) === "none") {
      return this.refuse(req, res, entry, 404, "Repository not found.");
    }
    if (route.service === "git-receive-pack" && !this.canPush(repo, grant)) {
      return this.refuse(req, res, entry, 403, `Permission to ${repo.owner}/${repo.name}.git denied to ${grant.login}.`);
    }
    await this.runBackend(req, res, route, repo, grant, entry, fault);
  }

  private canPush(repo: RepoRecord, grant: TokenGrant): boolean {
    const permission = this.deps.state.permission(repo, grant.login);
    return !grant.readOnly && (permission === "admin" || permission === "write");
  }

  private runBackend(
    req: IncomingMessage,
    res: ServerResponse,
    route: GitRoute,
    repo: RepoRecord,
    grant: TokenGrant,
    entry: RequestLogEntry,
    fault: ActiveFault | undefined,
  ): Promise<void> {
    const child = spawn(this.deps.backendPath ?? HTTP_BACKEND, [], { env: this.cgiEnv(req, route, repo, grant), stdio: ["pipe", "pipe", "pipe"] });
    this.deps.children.add(child);
    req.pipe(child.stdin);
    // A client that hangs up mid-request must not leave git running.
    res.on("close", () => {
      if (!res.writableFinished && child.exitCode === null) child.kill("SIGKILL");
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => {
      const finish = () => {
        this.deps.children.delete(child);
        resolve();
      };
      child.on("error", (error) => {
        console.error("[github-sandbox] git http-backend failed to start:", error);
        if (!res.headersSent) this.refuse(req, res, entry, 500, "Internal Server Error");
        finish();
      });
      if (fault) this.bufferThenFault(req, res, child, entry, fault, finish);
      else this.stream(res, child, entry, finish);
      child.on("close", (code) => {
        if (code !== 0 && stderr) console.error(`[github-sandbox] git http-backend (${route.template}): ${stderr.trim()}`);
        if (code === 0 && route.service === "git-receive-pack" && route.endpoint === "rpc") repo.pushedAt = Date.now();
      });
    });
  }

  /** Streams the CGI output to the client, translating its header block. */
  private stream(res: ServerResponse, child: ChildProcess, entry: RequestLogEntry, finish: () => void): void {
    let pending: Buffer = Buffer.alloc(0);
    let headed = false;
    child.stdout?.on("data", (chunk: Buffer) => {
      if (headed) {
        res.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const head = parseCgiHead(pending);
      if (!head) return;
      headed = true;
      entry.status = head.status;
      res.writeHead(head.status, head.headers.flat());
      if (head.rest.length > 0) res.write(head.rest);
    });
    child.stdout?.on("end", () => {
      if (!headed && !res.headersSent) {
        entry.status = 502;
        res.writeHead(502).end();
      } else res.end();
    });
    child.on("close", finish);
  }

  /** Lets git do the whole request, then answers with the fault instead: a lost response. */
  private bufferThenFault(
    req: IncomingMessage,
    res: ServerResponse,
    child: ChildProcess,
    entry: RequestLogEntry,
    fault: ActiveFault,
    finish: () => void,
  ): void {
    child.stdout?.resume();
    child.on("close", () => {
      this.answerFault(req, res, entry, fault);
      finish();
    });
  }

  private answerFault(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry, fault: ActiveFault): void {
    entry.fault = fault.drop ? "drop" : "status";
    if (fault.drop) {
      dropConnection(req, res);
      return;
    }
    req.resume();
    entry.status = fault.status;
    res.writeHead(fault.status, { "content-type": "text/plain; charset=utf-8" }).end(`Injected fault ${fault.status}\n`);
  }

  private refuse(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry, status: number, message: string): void {
    // Drain the upload so the client sees the answer instead of a reset connection.
    req.resume();
    entry.status = status;
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${message}\n`);
  }

  private cgiEnv(req: IncomingMessage, route: GitRoute, repo: RepoRecord, grant: TokenGrant): NodeJS.ProcessEnv {
    const suffix = route.endpoint === "info/refs" ? "info/refs" : route.service;
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(", ") : (value ?? "");
    };
    return gitEnv({
      GIT_PROJECT_ROOT: this.deps.state.dataDir,
      GIT_HTTP_EXPORT_ALL: "1",
      // Chunked and gzip bodies are buffered by http-backend, 10 MB by default: too small for real pushes.
      GIT_HTTP_MAX_REQUEST_BUFFER: "512m",
      // Canonical names: URLs are case-insensitive, the file system is not.
      PATH_INFO: `/${repo.owner}/${repo.name}.git/${suffix}`,
      REQUEST_METHOD: req.method ?? "GET",
      QUERY_STRING: route.endpoint === "info/refs" ? `service=${route.service}` : "",
      CONTENT_TYPE: header("content-type"),
      ...(req.headers["content-length"] ? { CONTENT_LENGTH: header("content-length") } : {}),
      ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: header("content-encoding") } : {}),
      GIT_PROTOCOL: header("git-protocol"),
      // Setting REMOTE_USER is what enables receive-pack in http-backend.
      REMOTE_USER: grant.login,
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    });
  }
}
