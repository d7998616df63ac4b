import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { ActiveFault, FaultRegistry } from "../faults/fault-registry.js";
import type { RateLimitState } from "../limits/primary-rate-limit.js";
import type { SecondaryRateLimit } from "../limits/secondary-rate-limit.js";
import type { ResponseValidator } from "../openapi/openapi-validator.js";
import type { ApiServices, RouteDefinition, RouteResult } from "../routes/route-types.js";
import type { TokenGrant } from "../state/user-directory.js";
import type { RequestLogEntry } from "../types.js";
import { AppDirectory } from "../state/app-directory.js";
import { ApiError } from "./api-error.js";
import { tokenFromAuthorization } from "./credentials.js";
import { etagMatches, weakEtag } from "./etag.js";
import { githubHeaders, newRequestId } from "./github-headers.js";
import { dropConnection, readBody, sendJson, sleep } from "./http-io.js";
import type { RequestLog } from "./request-log.js";
import type { Router } from "./router.js";

export interface ApiHandlerDeps {
  router: Router<RouteDefinition>;
  services: ApiServices;
  secondaryLimit: SecondaryRateLimit;
  faults: FaultRegistry;
  log: RequestLog;
  latencyMs: () => number;
  /** When set, every answer is validated and violations are logged. */
  validator?: ResponseValidator | undefined;
}

const GENERAL_DOCS = "https://docs.github.com/rest";
const RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";
const SECONDARY_DOCS = `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`;
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/** Everything decided about one API request, filled in as the pipeline runs. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  requestId: string;
  entry: RequestLogEntry;
  route?: RouteDefinition;
  params: Record<string, string>;
  grant?: TokenGrant;
}

/**
 * The REST pipeline: latency → faults (before) → auth → primary and secondary limits → route →
 * conditional request → faults (after) → answer, log and (optionally) validate.
 */
export class ApiHandler {
  constructor(private readonly deps: ApiHandlerDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, apiPath: string): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const match = this.deps.router.match(method, apiPath);
    const exchange: Exchange = {
      req,
      res,
      method,
      path: apiPath,
      query: url.searchParams,
      requestId: newRequestId(),
      params: match?.params ?? {},
      ...(match ? { route: match.route } : {}),
      entry: {
        kind: "api",
        method,
        route: match ? match.route.operation : "UNKNOWN",
        path: apiPath,
        query: url.search,
        status: 0,
        rateLimited: false,
        conditional: req.headers["if-none-match"] !== undefined || req.headers["if-modified-since"] !== undefined,
        at: Date.now(),
        durationMs: 0,
      },
    };
    try {
      await this.run(exchange, url);
    } finally {
      exchange.entry.durationMs = Date.now() - exchange.entry.at;
      this.deps.log.add(exchange.entry);
    }
  }

  private async run(ex: Exchange, url: URL): Promise<void> {
    const rawBody = await readBody(ex.req);
    await sleep(this.deps.latencyMs());
    const auth = this.authenticate(tokenFromAuthorization(ex.req.headers.authorization) ?? "");
    if (auth !== undefined && !(auth instanceof ApiError)) ex.grant = auth;
    if (ex.grant) ex.entry.user = ex.grant.login;
    // Faults stand for failures in front of the API, so they come before authentication and limits.
    const fault = this.deps.faults.take(ex.method, ex.entry.route, ex.path);
    if (fault && !fault.afterAction) return this.answerFault(ex, fault, this.currentRate(ex));
    if (!ex.grant) {
      const refusal = auth instanceof ApiError ? auth : new ApiError(401, "Bad credentials");
      return this.answer(ex, this.errorResult(refusal, ex), anonymousRate());
    }

    const limited = this.applyLimits(ex, ex.grant.login);
    if (limited) return;

    let result = await this.execute(ex, rawBody, `${url.origin}${url.pathname}`);
    let counted = ex.entry.route !== "GET /rate_limit";
    if (ex.method === "GET" && result.status === 200) {
      result = this.conditional(ex, result);
      if (result.status === 304) counted = false;
    }
    const rate = counted ? this.deps.services.primaryLimit.consume(ex.grant.login) : this.deps.services.primaryLimit.peek(ex.grant.login);
    ex.entry.rateLimited = counted;
    if (fault) return this.answerFault(ex, fault, rate);
    this.answer(ex, result, rate);
  }

  /**
   * A token's grant, or for a GitHub App's JWT a grant naming the App (only
   * the App endpoints take it). A bad JWT is a 401 saying why, as on GitHub.
   */
  private authenticate(token: string): TokenGrant | ApiError | undefined {
    const apps = this.deps.services.state.apps;
    const grant = this.deps.services.state.users.grant(token);
    if (grant || !AppDirectory.looksLikeJwt(token)) return grant;
    try {
      const app = apps.verifyJwt(token);
      return { login: app.botLogin, readOnly: true, appId: app.id };
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
  }

  /** Returns true when a limit answered the request. */
  private applyLimits(ex: Exchange, user: string): boolean {
    const primary = this.deps.services.primaryLimit;
    if (ex.entry.route !== "GET /rate_limit" && primary.exhausted(user)) {
      ex.entry.limited = "primary";
      const error = new ApiError(primary.status, `API rate limit exceeded for user ID ${this.userId(user)}.`);
      this.answer(ex, this.errorResult(error, ex, RATE_LIMIT_DOCS), primary.peek(user));
      return true;
    }
    const retryAfter = WRITE_METHODS.has(ex.method) ? this.deps.secondaryLimit.admit(user) : undefined;
    if (retryAfter === undefined) return false;
    ex.entry.limited = "secondary";
    ex.entry.rateLimited = true;
    const message =
      "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
      `If you reach out to GitHub Support for help, please include the request ID ${ex.requestId}.`;
    const error = new ApiError(403, message, undefined, { "retry-after": String(retryAfter) });
    this.answer(ex, this.errorResult(error, ex, SECONDARY_DOCS), primary.consume(user));
    return true;
  }

  private async execute(ex: Exchange, rawBody: Buffer, selfUrl: string): Promise<RouteResult> {
    if (!ex.route || !ex.grant) return this.errorResult(new ApiError(404, "Not Found"), ex);
    if (ex.route.jwt === true && ex.grant.appId === undefined) {
      return this.errorResult(new ApiError(401, "A JSON web token could not be decoded"), ex);
    }
    if (ex.route.jwt !== true && ex.grant.appId !== undefined) {
      return this.errorResult(new ApiError(403, "Resource not accessible by integration"), ex);
    }
    try {
      const body = parseJson(rawBody);
      return await ex.route.handle({ params: ex.params, query: ex.query, body, actor: ex.grant, services: this.deps.services, selfUrl });
    } catch (error) {
      if (error instanceof ApiError) return this.errorResult(error, ex);
      console.error(`[github-sandbox] ${ex.method} ${ex.path} failed:`, error);
      return this.errorResult(new ApiError(500, "Server Error"), ex);
    }
  }

  /** GitHub answers a matching If-None-Match with 304 and no body; such requests are free. */
  private conditional(ex: Exchange, result: RouteResult): RouteResult {
    const etag = weakEtag(JSON.stringify(result.body), tokenFromAuthorization(ex.req.headers.authorization) ?? "");
    const headers = { ...result.headers, etag, "cache-control": "private, max-age=60, s-maxage=60" };
    const ifNoneMatch = ex.req.headers["if-none-match"];
    if (etagMatches(ifNoneMatch, etag)) return { status: 304, headers };
    return { ...result, headers };
  }

  private errorResult(error: ApiError, ex: Exchange, docs = ex.route?.docs ?? GENERAL_DOCS): RouteResult {
    const body: Record<string, unknown> = { message: error.message, documentation_url: docs, status: String(error.status) };
    if (error.errors) body["errors"] = error.errors;
    return { status: error.status, body, headers: error.headers };
  }

  private answerFault(ex: Exchange, fault: ActiveFault, rate: RateLimitState): void {
    ex.entry.fault = fault.drop ? "drop" : "status";
    if (fault.drop) {
      ex.entry.status = 0;
      dropConnection(ex.req, ex.res);
      return;
    }
    const body = fault.body ?? { message: STATUS_CODES[fault.status] ?? "Error", documentation_url: GENERAL_DOCS };
    ex.entry.status = fault.status;
    sendJson(ex.res, fault.status, githubHeaders(ex.requestId, rate), JSON.stringify(body));
  }

  private answer(ex: Exchange, result: RouteResult, rate: RateLimitState): void {
    ex.entry.status = result.status;
    const text = result.body === undefined ? undefined : JSON.stringify(result.body);
    sendJson(ex.res, result.status, { ...githubHeaders(ex.requestId, rate), ...result.headers }, text);
    this.validate(ex, result.status, text);
  }

  private validate(ex: Exchange, status: number, text: string | undefined): void {
    const validator = this.deps.validator;
    if (!validator || !ex.route) return;
    const [method = "", template = ""] = ex.route.operation.split(" ");
    const errors = validator.validateResponse(method, template, status, text === undefined ? undefined : JSON.parse(text));
    if (errors.length > 0) this.deps.log.addViolation({ method, route: ex.route.operation, path: ex.path, status, errors });
  }

  private currentRate(ex: Exchange): RateLimitState {
    return ex.grant ? this.deps.services.primaryLimit.peek(ex.grant.login) : anonymousRate();
  }

  private userId(login: string): number {
    return this.deps.services.state.users.get(login)?.id ?? 0;
  }
}

/** What GitHub reports to a request without a valid token: the unauthenticated budget. */
function anonymousRate(): RateLimitState {
  return { limit: 60, remaining: 60, used: 0, reset: Math.floor(Date.now() / 1000) + 3600 };
}

/** Bodies are JSON whatever the content type says, as on GitHub; bad JSON is a 400. */
function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new ApiError(400, "Problems parsing JSON");
  }
}
