import { randomUUID } from "node:crypto";
import type { JsonContext } from "../serializers/json-context.js";
import type { Delivery, WebhookConfig } from "../types.js";
import type { CommentEvent, IssueEvent, IssueEventSink, ReviewCommentEvent } from "./issue-event.js";
import { commentEventPayload, issueEventPayload, reviewCommentEventPayload } from "./issue-event-payload.js";
import { signatureSha1, signatureSha256 } from "./webhook-signature.js";

const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * Sends `issues`, `issue_comment` and `pull_request_review_comment` events to one configured URL, like a repository webhook with content type
 * JSON. Deliveries go out one at a time in the order the events happened.
 */
export class WebhookDispatcher implements IssueEventSink {
  private config: WebhookConfig | null = null;
  private readonly sent: Delivery[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly stopped = new AbortController();

  constructor(
    private readonly ctx: JsonContext,
    private readonly onPayload?: (event: string, action: string, payload: unknown) => void,
  ) {}

  configure(config: WebhookConfig | null): void {
    this.config = config;
  }

  emit(event: IssueEvent): void {
    // Serialized now: the issue may change again before the delivery goes out.
    if (this.active()) this.send("issues", event, issueEventPayload(this.ctx, event));
  }

  emitComment(event: CommentEvent): void {
    if (this.active()) this.send("issue_comment", event, commentEventPayload(this.ctx, event));
  }

  emitReviewComment(event: ReviewCommentEvent): void {
    if (this.active()) this.send("pull_request_review_comment", event, reviewCommentEventPayload(this.ctx, event));
  }

  private active(): boolean {
    return this.config !== null && !this.stopped.signal.aborted;
  }

  private send(name: string, event: IssueEvent | CommentEvent | ReviewCommentEvent, payload: Record<string, unknown>): void {
    const config = this.config;
    if (config === null) return;
    this.onPayload?.(name, event.action, payload);
    const body = JSON.stringify(payload);
    const record: Delivery = {
      id: randomUUID(),
      event: name,
      action: event.action,
      status: "error",
      repository: `${event.repo.owner}/${event.repo.name}`,
      issueNumber: event.issue.number,
    };
    this.queue = this.queue.then(() => this.deliver(config, record, body, event.repo.id));
  }

  deliveries(): Delivery[] {
    return this.sent.map((delivery) => ({ ...delivery }));
  }

  flush(): Promise<void> {
    return this.queue;
  }

  /** Aborts deliveries in flight and sends no more (the sandbox is closing). */
  stop(): void {
    this.config = null;
    this.stopped.abort();
  }

  private async deliver(config: WebhookConfig, record: Delivery, body: string, repoId: number): Promise<void> {
    try {
      const response = await fetch(config.url, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/sandbox",
          "x-github-event": record.event,
          "x-github-delivery": record.id,
          "x-github-hook-id": "1",
          "x-github-hook-installation-target-type": "repository",
          "x-github-hook-installation-target-id": String(repoId),
          "x-hub-signature": signatureSha1(config.secret, body),
          "x-hub-signature-256": signatureSha256(config.secret, body),
        },
        signal: AbortSignal.any([AbortSignal.timeout(DELIVERY_TIMEOUT_MS), this.stopped.signal]),
      });
      await response.arrayBuffer();
      record.status = response.status;
    } catch {
      record.status = "error";
    }
    this.sent.push(record);
  }
}
