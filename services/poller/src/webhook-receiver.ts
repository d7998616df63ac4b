import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { formatRepoRef, type DispatchIssue, type IssueComment, type RepoRef, type ReviewPlace } from "@agent-runner/core";
import { type Logger } from "@agent-runner/runtime";
import type { DeliveryLedger } from "./delivery-ledger.js";
import type { DeliveryOutcome, PollerMetrics } from "./poller-metrics.js";

/** Where GitHub posts; the only path the receiver answers. */
/** Where GitHub delivers (the Kubernetes Ingress example routes only this path; its test reads it). */
export const WEBHOOK_PATH = "/webhooks/github";
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Issues waiting to be decided; past this a delivery is refused and polling finds its task. */
const MAX_PENDING = 1000;
const ISSUE_ACTIONS = new Set(["opened", "edited", "labeled", "unlabeled", "closed", "reopened"]);
const DELIVERY_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The GitHub side of a delivery: the adapter in @agent-runner/github implements it. */
export interface WebhookGateway {
  verify(rawBody: string, signature: string | undefined): Promise<boolean>;
  issueOf(
    event: string,
    payload: unknown,
  ): { event: string; action: string; repository: string; state: "open" | "closed"; issue: DispatchIssue } | undefined;
  /**
   * The comment of an `issue_comment` delivery on a pull request, or of a
   * `pull_request_review_comment` delivery (with `review`: where on the diff), in any repository.
   */
  pullCommentOf?(
    event: string,
    payload: unknown,
  ): { action: string; repository: string; pullNumber: number; comment: IssueComment; review?: ReviewPlace } | undefined;
}

/** A comment created on a pull request: a possible follow-up on a task's PR. */
export interface PullCommentDelivery {
  readonly repository: string;
  readonly pullNumber: number;
  readonly comment: IssueComment;
  /** Set for an inline review comment on the PR's diff. */
  readonly review?: ReviewPlace;
}

export interface WebhookReceiverOptions {
  readonly port: number;
  readonly host?: string;
  readonly gateway: WebhookGateway;
  readonly deliveries: DeliveryLedger;
  readonly dispatchRepo: RepoRef;
  readonly dispatchLabel: string;
  /** What a poll does with a listed issue: the same decision for an issue a delivery brought. */
  readonly offer: (issues: DispatchIssue[]) => Promise<unknown>;
  /**
   * What a full listing does with an issue that left it (closed, unlabelled):
   * its task is cancelled. A delivery says so at once instead of at the next sweep.
   */
  readonly issueLeft: (issueNumber: number) => Promise<unknown>;
  /** What the poll's look at a target repository's comments does with a new comment on a PR. */
  readonly pullComment?: (delivery: PullCommentDelivery) => Promise<unknown>;
  readonly metrics: PollerMetrics;
  readonly log: Logger;
  readonly maxBodyBytes?: number;
}

export interface WebhookReceiver {
  readonly url: string;
  /** Epoch ms of the last delivery with a valid signature (undefined: none yet). */
  lastVerifiedAt(): number | undefined;
  /** Resolves once every accepted delivery has been handled. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: DeliveryOutcome,
  ) {
    super(outcome);
  }
}

/**
 * GitHub's `issues` and `issue_comment` deliveries for the dispatch repo (and `issue_comment` on
 * pull requests and `pull_request_review_comment` anywhere, the follow-ups on tasks' PRs), on a port of its own
 * (the ops port serves metrics and the Bull Board, which must not face the internet). A
 * delivery is verified, de-duplicated by X-GitHub-Delivery and answered at once (202); its
 * issue is decided afterwards, one at a time. GitHub does not redeliver a failed delivery,
 * so nothing here is load-bearing: polling still finds every task, later.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  let lastVerified: number | undefined;
  let pending = 0;
  let chain: Promise<void> = Promise.resolve();
  const { log, metrics } = options;
  const dispatch = formatRepoRef(options.dispatchRepo).toLowerCase();
  const label = options.dispatchLabel.toLowerCase();

  const enqueue = (work: () => Promise<unknown>, context: Record<string, unknown>): boolean => {
    if (pending >= MAX_PENDING) return false;
    pending++;
    chain = chain
      .then(work)
      .then(
        () => undefined,
        (error: unknown) => log.warn({ err: error, ...context }, "could not handle a webhook delivery; polling will find the issue"),
      )
      .finally(() => pending--);
    return true;
  };

  const handle = async (req: IncomingMessage): Promise<{ status: number; outcome: DeliveryOutcome; event: string }> => {
    const event = header(req, "x-github-event") ?? "";
    const deliveryId = header(req, "x-github-delivery") ?? "";
    const raw = await readBody(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    if (!(await options.gateway.verify(raw, header(req, "x-hub-signature-256")))) {
      // Neither the body nor the signature is logged: the body is unauthenticated input.
      log.warn({ deliveryId: DELIVERY_ID.test(deliveryId) ? deliveryId : "invalid", event: safeEvent(event) }, "webhook delivery refused: bad signature");
      return { status: 401, outcome: "bad_signature", event };
    }
    lastVerified = Date.now();
    if (!DELIVERY_ID.test(deliveryId)) return { status: 400, outcome: "malformed", event };
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      return { status: 400, outcome: "malformed", event };
    }
    if (!(await options.deliveries.firstSight(deliveryId))) return { status: 200, outcome: "duplicate", event };
    // A comment on a PR (in a target repository, or the dispatch repository as a target): a possible follow-up.
    const pullComment = options.pullComment === undefined ? undefined : options.gateway.pullCommentOf?.(event, payload);
    if (pullComment !== undefined && options.pullComment !== undefined) {
      if (pullComment.action !== "created") return { status: 200, outcome: "ignored", event };
      const handlePullComment = options.pullComment;
      const { repository, pullNumber, comment, review } = pullComment;
      const context = { deliveryId, event, pull: pullNumber };
      const delivery = { repository, pullNumber, comment, ...(review === undefined ? {} : { review }) };
      if (!enqueue(() => handlePullComment(delivery), context)) return { status: 503, outcome: "overloaded", event };
      return { status: 202, outcome: "accepted", event };
    }
    const found = options.gateway.issueOf(event, payload);
    if (
      found === undefined ||
      found.repository.toLowerCase() !== dispatch ||
      !(found.event === "issue_comment" ? found.action === "created" : ISSUE_ACTIONS.has(found.action))
    ) {
      return { status: 200, outcome: "ignored", event };
    }
    const context = { deliveryId, event, issue: found.issue.number };
    // What a poll would list: open issues carrying the dispatch label. Anything else has left the listing.
    const listed = found.state === "open" && found.issue.labels.some((l) => l.toLowerCase() === label);
    const left = found.event === "issues" && (found.action === "closed" || found.action === "unlabeled") && !listed;
    if (!listed && !left) return { status: 200, outcome: "ignored", event };
    const work = listed ? () => options.offer([found.issue]) : () => options.issueLeft(found.issue.number);
    if (!enqueue(work, context)) return { status: 503, outcome: "overloaded", event };
    return { status: 202, outcome: "accepted", event };
  };

  const server = createServer((req, res) => {
    if ((req.url ?? "").split("?")[0] !== WEBHOOK_PATH) return end(res, 404);
    if (req.method !== "POST") return end(res, 405, { allow: "POST" });
    handle(req)
      .then(({ status, outcome, event }) => {
        metrics.delivery(event, outcome);
        end(res, status);
      })
      .catch((error: unknown) => {
        const known = error instanceof HttpError ? error : undefined;
        metrics.delivery(header(req, "x-github-event") ?? "", known?.outcome ?? "malformed");
        if (known === undefined) log.warn({ err: error }, "webhook delivery failed");
        end(res, known?.status ?? 500, known?.status === 413 ? { connection: "close" } : {});
      });
  });
  // A client that sends its headers slowly cannot hold a socket for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  log.info({ port, path: WEBHOOK_PATH }, "webhook receiver listening");
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    lastVerifiedAt: () => lastVerified,
    drain: async () => {
      while (pending > 0) await chain;
    },
    close: () => closeServer(server),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

function safeEvent(event: string): string {
  return /^[a-z_]{1,40}$/.test(event) ? event : "invalid";
}

/** The raw body (the signature is over these exact bytes), refused past `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, "too_large");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, "too_large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function end(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers }).end();
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
