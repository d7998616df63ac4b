import type { RequestLog } from "./api/request-log.js";
import type { FaultRegistry } from "./faults/fault-registry.js";
import type { PrimaryRateLimit } from "./limits/primary-rate-limit.js";
import type { SecondaryRateLimit } from "./limits/secondary-rate-limit.js";
import type { SandboxUrls } from "./sandbox-urls.js";
import type { JsonContext } from "./serializers/json-context.js";
import type { IssueService } from "./state/issue-service.js";
import type { PullService } from "./state/pull-service.js";
import type { ReviewCommentService } from "./state/review-comment-service.js";
import type { SandboxState } from "./state/sandbox-state.js";
import type { WebhookDispatcher } from "./webhooks/webhook-dispatcher.js";

/** The parts of one running sandbox, wired together by startSandbox. */
export interface SandboxRuntime {
  urls: SandboxUrls;
  state: SandboxState;
  json: JsonContext;
  issues: IssueService;
  pulls: PullService;
  reviewComments: ReviewCommentService;
  primaryLimit: PrimaryRateLimit;
  secondaryLimit: SecondaryRateLimit;
  faults: FaultRegistry;
  log: RequestLog;
  webhooks: WebhookDispatcher;
  settings: { latencyMs: number };
}
