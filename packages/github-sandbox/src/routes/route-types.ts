import type { PrimaryRateLimit } from "../limits/primary-rate-limit.js";
import type { ApiOperation } from "../openapi/api-operations.js";
import type { JsonContext } from "../serializers/json-context.js";
import type { IssueService } from "../state/issue-service.js";
import type { PullService } from "../state/pull-service.js";
import type { SandboxState } from "../state/sandbox-state.js";
import type { TokenGrant } from "../state/user-directory.js";

/** The services a route handler works with. */
export interface ApiServices {
  json: JsonContext;
  state: SandboxState;
  issues: IssueService;
  pulls: PullService;
  primaryLimit: PrimaryRateLimit;
}

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  actor: TokenGrant;
  services: ApiServices;
  /** Absolute URL of the request path without query, for Link headers. */
  selfUrl: string;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteDefinition {
  operation: ApiOperation;
  /** GitHub's docs page for the operation, sent as `documentation_url` in errors. */
  docs: string;
  /** Authenticated with a GitHub App's JWT, and only with one. */
  jwt?: boolean;
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}
