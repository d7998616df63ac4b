import { GitHubApiError } from "../errors/github-api-error.js";
import type {
  CreatePullResult,
  DispatchIssue,
  GitHubClient,
  IssueComment,
  ListCommentsOptions,
  ListIssuesOptions,
  ListBranchesResult,
  ListRepoCommentsResult,
  ListRepoReviewCommentsResult,
  ListIssuesResult,
  PullRequest,
  RepoInfo,
  RepoLookup,
  ReviewComment,
} from "../ports/github-client.js";
import type { RepoRef } from "../task/repo-name.js";

interface FakeIssue extends DispatchIssue {
  repo: string;
}

/**
 * A hand-written in-memory GitHub for unit tests. It keeps GitHub's rules
 * that our logic depends on (one open PR per head, unknown repos not found,
 * labels created on first use, PRs and comments authored by whoever the
 * token acts as) and records every call.
 */
export class FakeGitHubClient implements GitHubClient {
  readonly calls: string[] = [];
  /** The login the client acts as; `actingAs` switches it to play another user. */
  viewer: string;
  readonly repos = new Map<string, RepoInfo>();
  readonly issues: FakeIssue[] = [];
  readonly comments = new Map<string, IssueComment[]>();
  /** Comments on PRs' diffs, by repository (`owner/name`), oldest first. */
  readonly reviewComments = new Map<string, ReviewComment[]>();
  readonly pulls = new Map<string, (PullRequest & { base: string; headOwner: string })[]>();
  /** Branches by repository (`owner/name`, lower case): name -> tip sha. */
  readonly branches = new Map<string, Map<string, string>>();
  /** Errors to throw, by method name, consumed one per call. */
  readonly failures = new Map<string, Error[]>();
  /** The `since` each issue listing asked for (undefined: a full listing). */
  readonly listings: { since: string | undefined }[] = [];
  /** When set, createPull performs the create and then throws this (a lost response). */
  loseNextCreatePullResponse = false;
  private nextId = 1;
  private version = 0;

  constructor(login = "agent-runner-bot") {
    this.viewer = login;
  }

  /** Runs `act` as another user (a collaborator, a stranger), then acts as before again. */
  async actingAs<T>(login: string, act: (github: this) => Promise<T>): Promise<T> {
    const previous = this.viewer;
    this.viewer = login;
    try {
      return await act(this);
    } finally {
      this.viewer = previous;
    }
  }

  addRepo(fullName: string, defaultBranch = "main"): RepoInfo {
    const info = {
      fullName,
      cloneUrl: `https://git.example/${fullName}.git`,
      defaultBranch,
      htmlUrl: `https://github.example/${fullName}`,
      private: false,
    };
    this.repos.set(fullName.toLowerCase(), info);
    return info;
  }

  addIssue(repo: string, input: Partial<DispatchIssue> & { title: string }): FakeIssue {
    const number = this.nextId++;
    const issue: FakeIssue = {
      repo,
      number,
      title: input.title,
      body: input.body ?? null,
      htmlUrl: `https://github.example/${repo}/issues/${number}`,
      labels: input.labels ?? [],
      authorLogin: input.authorLogin ?? "octo-owner",
      authorAssociation: input.authorAssociation ?? "OWNER",
      isPullRequest: input.isPullRequest ?? false,
      updatedAt: new Date(0).toISOString(),
      comments: 0,
    };
    this.issues.push(issue);
    this.version++;
    return issue;
  }

  commentsOn(repo: string, issueNumber: number): IssueComment[] {
    return this.comments.get(`${repo}#${issueNumber}`) ?? [];
  }

  labelsOf(repo: string, issueNumber: number): readonly string[] {
    return this.issues.find((i) => i.repo === repo && i.number === issueNumber)?.labels ?? [];
  }

  async getAuthenticatedLogin(): Promise<string> {
    this.record("getAuthenticatedLogin");
    return this.viewer;
  }

  async getRepo(repo: RepoRef): Promise<RepoLookup> {
    this.record("getRepo");
    const info = this.repos.get(`${repo.owner}/${repo.repo}`.toLowerCase());
    return info === undefined ? { kind: "not_found" } : { kind: "found", repo: info };
  }

  async listOpenIssuesWithLabel(repo: RepoRef, label: string, options: ListIssuesOptions = {}): Promise<ListIssuesResult> {
    this.record("listOpenIssuesWithLabel");
    this.listings.push({ since: options.since });
    const current = `W/"${this.version}:${options.since ?? ""}"`;
    if (options.etag === current) return { status: "not_modified" };
    const name = `${repo.owner}/${repo.repo}`;
    const since = options.since === undefined ? undefined : Date.parse(options.since);
    const issues = this.issues.filter(
      (i) =>
        i.repo === name &&
        i.labels.some((l) => l.toLowerCase() === label.toLowerCase()) &&
        (since === undefined || Date.parse(i.updatedAt) >= since),
    );
    return { status: "modified", etag: current, issues: issues.map((i) => ({ ...i, comments: this.commentsOn(i.repo, i.number).length })) };
  }

  async listIssueComments(repo: RepoRef, issueNumber: number): Promise<IssueComment[]> {
    this.record("listIssueComments");
    return [...this.commentsOn(`${repo.owner}/${repo.repo}`, issueNumber)];
  }

  async listRepoIssueComments(repo: RepoRef, options: ListCommentsOptions = {}): Promise<ListRepoCommentsResult> {
    this.record("listRepoIssueComments");
    const current = `W/"c${this.version}:${options.since ?? ""}"`;
    if (options.etag === current) return { status: "not_modified" };
    const prefix = `${repo.owner}/${repo.repo}#`;
    const comments = [...this.comments]
      .filter(([key]) => key.startsWith(prefix))
      .flatMap(([key, list]) => list.map((c) => ({ ...c, issueNumber: Number(key.slice(prefix.length)), updatedAt: new Date(0).toISOString() })));
    return { status: "modified", etag: current, comments: comments.reverse() };
  }

  async listRepoReviewComments(repo: RepoRef, options: ListCommentsOptions = {}): Promise<ListRepoReviewCommentsResult> {
    this.record("listRepoReviewComments");
    const current = `W/"r${this.version}:${options.since ?? ""}"`;
    if (options.etag === current) return { status: "not_modified" };
    return { status: "modified", etag: current, comments: [...(this.reviewComments.get(`${repo.owner}/${repo.repo}`) ?? [])].reverse() };
  }

  /** Comments on a line of a PR's diff as `login` with `association` (a reviewer, a stranger). */
  addReviewComment(repo: string, pullNumber: number, body: string, place: { path: string; line?: number }, login: string, association = "OWNER"): ReviewComment {
    const comment: ReviewComment = {
      id: this.nextId++,
      body,
      authorLogin: login,
      authorAssociation: association,
      htmlUrl: `https://github.example/${repo}/pull/${pullNumber}#discussion_r`,
      pullNumber,
      path: place.path,
      line: place.line,
      updatedAt: new Date(0).toISOString(),
    };
    this.reviewComments.set(repo, [...(this.reviewComments.get(repo) ?? []), comment]);
    this.version++;
    return comment;
  }

  async getPull(repo: RepoRef, pullNumber: number): Promise<PullRequest | undefined> {
    this.record("getPull");
    const pull = (this.pulls.get(`${repo.owner}/${repo.repo}`.toLowerCase()) ?? []).find((p) => p.number === pullNumber);
    if (pull === undefined) return undefined;
    const { base: _b, headOwner: _h, ...out } = pull;
    return out;
  }

  /** Posts a comment as `login` with `association` (a reviewer on a PR, a stranger). */
  addComment(repo: string, issueNumber: number, body: string, login: string, association = "OWNER"): IssueComment {
    const key = `${repo}#${issueNumber}`;
    const comment = { id: this.nextId++, body, authorLogin: login, authorAssociation: association, htmlUrl: `https://github.example/${key}#c` };
    this.comments.set(key, [...(this.comments.get(key) ?? []), comment]);
    this.version++;
    return comment;
  }

  async createIssueComment(repo: RepoRef, issueNumber: number, body: string): Promise<IssueComment> {
    this.record("createIssueComment");
    const key = `${repo.owner}/${repo.repo}#${issueNumber}`;
    const comment = { id: this.nextId++, body, authorLogin: this.viewer, htmlUrl: `https://github.example/${key}#c` };
    this.comments.set(key, [...(this.comments.get(key) ?? []), comment]);
    this.version++;
    return comment;
  }

  async updateIssueComment(repo: RepoRef, commentId: number, body: string): Promise<IssueComment> {
    this.record("updateIssueComment");
    for (const [key, list] of this.comments) {
      if (!key.startsWith(`${repo.owner}/${repo.repo}#`)) continue;
      const index = list.findIndex((c) => c.id === commentId);
      const found = list[index];
      if (found === undefined) continue;
      const updated = { ...found, body };
      this.comments.set(key, list.map((c, i) => (i === index ? updated : c)));
      this.version++;
      return updated;
    }
    throw new GitHubApiError({ status: 404, message: "Not Found", route: "PATCH comment" });
  }

  async addLabels(repo: RepoRef, issueNumber: number, labels: string[]): Promise<void> {
    this.record("addLabels");
    const issue = this.issues.find((i) => i.repo === `${repo.owner}/${repo.repo}` && i.number === issueNumber);
    if (issue === undefined) throw new GitHubApiError({ status: 404, message: "Not Found", route: "POST labels" });
    (issue as { labels: readonly string[] }).labels = [...new Set([...issue.labels, ...labels])];
    this.version++;
  }

  async findPullsByHead(repo: RepoRef, headOwner: string, branch: string): Promise<PullRequest[]> {
    this.record("findPullsByHead");
    return (this.pulls.get(`${repo.owner}/${repo.repo}`.toLowerCase()) ?? [])
      .filter((p) => p.headOwner === headOwner && p.headRef === branch)
      .map(({ base: _b, headOwner: _h, ...p }) => p);
  }

  async createPull(
    repo: RepoRef,
    input: { title: string; body: string; head: string; base: string; draft?: boolean },
  ): Promise<CreatePullResult> {
    this.record("createPull");
    const key = `${repo.owner}/${repo.repo}`.toLowerCase();
    const list = this.pulls.get(key) ?? [];
    if (list.some((p) => p.state === "open" && p.headRef === input.head)) return { kind: "already_exists" };
    const number = this.nextId++;
    const pull = {
      number,
      htmlUrl: `https://github.example/${key}/pull/${number}`,
      state: "open" as const,
      merged: false,
      title: input.title,
      body: input.body,
      headRef: input.head,
      headSha: "0".repeat(40),
      authorLogin: this.viewer,
      draft: input.draft === true,
      base: input.base,
      headOwner: repo.owner,
    };
    this.pulls.set(key, [...list, pull]);
    if (this.loseNextCreatePullResponse) {
      this.loseNextCreatePullResponse = false;
      throw new GitHubApiError({ status: 502, message: "Bad Gateway", route: "POST /repos/{owner}/{repo}/pulls" });
    }
    const { base: _b, headOwner: _h, ...out } = pull;
    return { kind: "created", pull: out };
  }

  async updatePull(repo: RepoRef, pullNumber: number, input: { title: string; body: string }): Promise<PullRequest> {
    this.record("updatePull");
    const list = this.pulls.get(`${repo.owner}/${repo.repo}`.toLowerCase()) ?? [];
    const pull = list.find((p) => p.number === pullNumber);
    if (pull === undefined) throw new GitHubApiError({ status: 404, message: "Not Found", route: "PATCH pull" });
    Object.assign(pull, input);
    const { base: _b, headOwner: _h, ...out } = pull;
    return out;
  }

  /** Sets a branch's tip, as a push would. */
  setBranch(repo: string, branch: string, sha: string): void {
    const key = repo.toLowerCase();
    this.branches.set(key, (this.branches.get(key) ?? new Map<string, string>()).set(branch, sha));
    this.version++;
  }

  async listBranchesWithPrefix(repo: RepoRef, prefix: string, options: { etag?: string | undefined } = {}): Promise<ListBranchesResult> {
    this.record("listBranchesWithPrefix");
    const current = `W/"refs:${this.version}:${prefix}"`;
    if (options.etag === current) return { status: "not_modified" };
    const all = this.branches.get(`${repo.owner}/${repo.repo}`.toLowerCase()) ?? new Map<string, string>();
    const branches = [...all].filter(([name]) => name.startsWith(prefix)).map(([name, sha]) => ({ name, sha }));
    return { status: "modified", etag: current, branches };
  }

  async deleteBranch(repo: RepoRef, branch: string): Promise<"deleted" | "not_found"> {
    this.record("deleteBranch");
    const deleted = this.branches.get(`${repo.owner}/${repo.repo}`.toLowerCase())?.delete(branch) === true;
    if (deleted) this.version++;
    return deleted ? "deleted" : "not_found";
  }

  async getIssue(repo: RepoRef, issueNumber: number): Promise<DispatchIssue | undefined> {
    this.record("getIssue");
    const issue = this.issues.find((i) => i.repo.toLowerCase() === `${repo.owner}/${repo.repo}`.toLowerCase() && i.number === issueNumber);
    if (issue === undefined) return undefined;
    const { repo: _r, ...out } = issue;
    return { ...out, comments: this.commentsOn(issue.repo, issue.number).length };
  }

  async closePull(repo: RepoRef, pullNumber: number): Promise<PullRequest> {
    this.record("closePull");
    const list = this.pulls.get(`${repo.owner}/${repo.repo}`.toLowerCase()) ?? [];
    const pull = list.find((p) => p.number === pullNumber);
    if (pull === undefined) throw new GitHubApiError({ status: 404, message: "Not Found", route: "PATCH pull" });
    Object.assign(pull, { state: "closed" });
    const { base: _b, headOwner: _h, ...out } = pull;
    return out;
  }

  private record(method: string): void {
    this.calls.push(method);
    const queued = this.failures.get(method);
    const next = queued?.shift();
    if (next !== undefined) throw next;
  }
}
