import {
  formatRepoRef,
  isRepoAllowed,
  isTrustedActor,
  parseDispatchIssue,
  type DispatchIssue,
  type ParsedDispatchTask,
  type RepoRef,
} from "@agent-runner/core";

export interface IssuePolicy {
  readonly dispatchRepo: RepoRef;
  readonly processedLabel: string;
  readonly allowedTargetRepos: readonly string[];
  /** Upper-case author_association values trusted to dispatch work. */
  readonly trustedAuthorAssociations: readonly string[];
  /** Lower-case logins trusted whatever their association (e.g. the producer's bot). */
  readonly trustedAuthors: readonly string[];
}

export type IssueDecision =
  | { readonly kind: "skip"; readonly why: "pull_request" | "processed" }
  | { readonly kind: "enqueue"; readonly task: ParsedDispatchTask }
  | { readonly kind: "reject"; readonly reason: string; readonly message: string };

/**
 * What the poller does with one listed issue. Pure: every rule that keeps a
 * task out of the queue lives here and is unit-tested as a table.
 */
export function decideIssue(issue: DispatchIssue, policy: IssuePolicy): IssueDecision {
  if (issue.isPullRequest) return { kind: "skip", why: "pull_request" };
  const processed = policy.processedLabel.toLowerCase();
  if (issue.labels.some((l) => l.toLowerCase() === processed)) return { kind: "skip", why: "processed" };
  if (!isTrusted(issue, policy)) {
    return {
      kind: "reject",
      reason: "untrusted_author",
      message:
        `the issue was opened by \`${issue.authorLogin ?? "unknown"}\` (association ${issue.authorAssociation}), ` +
        "who is not trusted to dispatch tasks. Ask a maintainer to open it, or add the author to TRUSTED_AUTHORS.",
    };
  }
  const parsed = parseDispatchIssue({ title: issue.title, body: issue.body }, policy.dispatchRepo);
  if (!parsed.ok) return { kind: "reject", reason: parsed.reason, message: parsed.message };
  if (!isRepoAllowed(parsed.task.target, policy.allowedTargetRepos)) {
    return {
      kind: "reject",
      reason: "target_not_allowed",
      message:
        `the target repository \`${formatRepoRef(parsed.task.target)}\` is not allowed ` +
        `(ALLOWED_TARGET_REPOS: ${policy.allowedTargetRepos.map((g) => `\`${g}\``).join(", ")}).`,
    };
  }
  return { kind: "enqueue", task: parsed.task };
}

function isTrusted(issue: DispatchIssue, policy: IssuePolicy): boolean {
  return isTrustedActor(issue.authorLogin, issue.authorAssociation, policy);
}

/** The rule lives in core: the worker checks a requeued job's issue by it too. */
export { isTrustedActor };
