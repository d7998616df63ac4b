import {
  formatRepoRef,
  parseRepoRef,
  type GitHubClient,
  type RepoComment,
  type RepoRef,
  type ReviewComment,
  type ReviewPlace,
  type TaskRuns,
} from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { FollowUpCandidate, FollowUps } from "./follow-ups.js";

export interface PullCommentWatchOptions {
  readonly github: GitHubClient;
  readonly runs: TaskRuns;
  readonly followUps: FollowUps;
  readonly log: Logger;
  /**
   * The least time between two looks at the repositories (a look costs one call per repository
   * where anything changed); 0: never, webhook deliveries bring follow-ups. Waiting follow-ups
   * are started at every poll whatever this says.
   */
  readonly lookIntervalMs: number;
  /** How far back the first look at a repository reaches (a poller that was down misses nothing newer). */
  readonly lookbackMs?: number;
  /** The window moves forward once it holds this many comments. */
  readonly advanceAt?: number;
  readonly now?: () => number;
}

const DEFAULT_FOLLOW_UP_LOOKBACK_MS = 6 * 3600_000;
const DEFAULT_ADVANCE_AT = 50;
/** GitHub shows seconds and its listing may lag a write: the window starts this much before the newest comment seen. */
const MARGIN_MS = 60_000;

interface CommentWindow {
  readonly since: string;
  readonly etag: string | undefined;
}

/**
 * The polling path of follow-ups. For each target repository of a tracked
 * task, two conditional requests list the comments updated in a window: the
 * conversation comments (`GET /repos/{o}/{r}/issues/comments?since=…&sort=updated`)
 * and the inline review comments on PRs' diffs (`GET /repos/{o}/{r}/pulls/comments`,
 * the same query); an idle repository answers 304 to both, free of rate limit.
 * Each listing has its own window, whose start moves only once it holds half
 * a page, so an unchanged query keeps its ETag. Windows live in memory; after
 * a restart the first look reaches back `lookbackMs`, and comments already
 * acted on are claimed in Redis.
 */
export class PullCommentWatch {
  private readonly windows = new Map<string, CommentWindow>();
  private lastLookAt: number | undefined;

  constructor(private readonly options: PullCommentWatchOptions) {}

  /** One look at every watched repository, after starting the follow-ups whose turn has come. Never throws. */
  async poll(): Promise<void> {
    const { log, followUps } = this.options;
    await followUps.resume().catch((error: unknown) => log.warn({ err: error }, "could not start waiting follow-ups"));
    if (!this.lookIsDue()) return;
    let repos: RepoRef[];
    try {
      repos = await this.watchedRepos();
    } catch (error) {
      log.warn({ err: error }, "could not read the tasks' target repositories; follow-ups wait for the next poll");
      return;
    }
    const watched = new Set(repos.map((r) => formatRepoRef(r).toLowerCase()));
    for (const key of this.windows.keys()) if (!watched.has(key.slice(key.indexOf(":") + 1))) this.windows.delete(key);
    for (const repo of repos) {
      try {
        await this.look(repo);
      } catch (error) {
        log.warn({ err: error, repo: formatRepoRef(repo) }, "could not read pull request comments; will look again next poll");
      }
    }
  }

  private lookIsDue(): boolean {
    const { lookIntervalMs } = this.options;
    if (lookIntervalMs <= 0) return false;
    const now = this.options.now?.() ?? Date.now();
    if (this.lastLookAt !== undefined && now - this.lastLookAt < lookIntervalMs) return false;
    this.lastLookAt = now;
    return true;
  }

  /** Both listings of one repository: conversation comments, then comments on PRs' diffs. */
  private async look(repo: RepoRef): Promise<void> {
    const { github } = this.options;
    await this.lookAt(
      repo,
      "conversation",
      (window) => github.listRepoIssueComments(repo, window),
      (comment: RepoComment) => ({ repo, issueNumber: comment.issueNumber, comment }),
    );
    await this.lookAt(
      repo,
      "review",
      (window) => github.listRepoReviewComments(repo, window),
      (comment: ReviewComment) => ({ repo, issueNumber: comment.pullNumber, comment, review: placeOf(comment) }),
    );
  }

  /** One conditional listing in its own window (its own ETag): 304 when nothing in it changed. */
  private async lookAt<C extends { readonly updatedAt: string }>(
    repo: RepoRef,
    kind: "conversation" | "review",
    list: (window: CommentWindow) => Promise<{ status: "not_modified" } | { status: "modified"; etag: string | undefined; comments: C[] }>,
    toCandidate: (comment: C) => FollowUpCandidate,
  ): Promise<void> {
    const key = `${kind}:${formatRepoRef(repo).toLowerCase()}`;
    const now = this.options.now?.() ?? Date.now();
    const window = this.windows.get(key) ?? { since: new Date(now - (this.options.lookbackMs ?? DEFAULT_FOLLOW_UP_LOOKBACK_MS)).toISOString(), etag: undefined };
    const listing = await list(window);
    if (listing.status === "not_modified") return;
    await this.options.followUps.consider(listing.comments.map(toCandidate), "poll");
    // The window moves (and its ETag goes) only once it fills half a page.
    const newest = Math.max(...listing.comments.map((c) => Date.parse(c.updatedAt)).filter(Number.isFinite));
    const advance = listing.comments.length >= (this.options.advanceAt ?? DEFAULT_ADVANCE_AT) && Number.isFinite(newest);
    this.windows.set(key, advance ? { since: new Date(newest - MARGIN_MS).toISOString(), etag: undefined } : { since: window.since, etag: listing.etag });
  }

  /** The distinct target repositories of the tasks the poller tracks: where their PRs live. */
  private async watchedRepos(): Promise<RepoRef[]> {
    const [tracked, targets] = await Promise.all([this.options.runs.tracked(), this.options.runs.targets()]);
    const repos = new Map<string, RepoRef>();
    for (const taskId of tracked.keys()) {
      const target = targets.get(taskId);
      const repo = target === undefined ? undefined : parseRepoRef(target);
      if (repo !== undefined) repos.set(formatRepoRef(repo).toLowerCase(), repo);
    }
    return [...repos.values()];
  }
}

function placeOf(comment: ReviewComment): ReviewPlace {
  return comment.line === undefined ? { path: comment.path } : { path: comment.path, line: comment.line };
}
