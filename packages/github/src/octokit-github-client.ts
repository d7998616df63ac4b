import { GitHubApiError } from "@agent-runner/core";
import { scrubText } from "@agent-runner/core";
import type { RepoRef } from "@agent-runner/core";
import type {
  CreatePullResult,
  DispatchIssue,
  GitHubClient,
  IssueComment,
  ListBranchesResult,
  ListCommentsOptions,
  ListIssuesOptions,
  ListIssuesResult,
  ListRepoCommentsResult,
  ListRepoReviewCommentsResult,
  RepoComment,
  ReviewComment,
  PullRequest,
  RepoLookup,
} from "@agent-runner/core";
import { currentSecrets } from "@agent-runner/core";
import { toDispatchIssue } from "./api-issue.js";
import { isPullAlreadyExists, toGitHubApiError } from "./http-answers.js";
import { createOctokit, type OctokitClient } from "./octokit-factory.js";
import type { OctokitGitHubClientOptions } from "./octokit-client-options.js";
import { issueNumberOf, newestFirst, pullNumberOf, toComment, toPull } from "./api-shapes.js";

export type { OctokitGitHubClientOptions } from "./octokit-client-options.js";

/** A repository-wide comment listing reads at most this many pages (the newest comments). */
const MAX_COMMENT_PAGES = 5;

/** The Octokit adapter of the GitHubClient port. */
export class OctokitGitHubClient implements GitHubClient {
  private readonly octokit: OctokitClient;

  constructor(private readonly options: OctokitGitHubClientOptions) {
    this.octokit = createOctokit(options);
  }

  async getAuthenticatedLogin(): Promise<string> {
    // An installation token may not call GET /user; the App's bot is who it acts as.
    if (this.options.tokenSource?.botLogin !== undefined) return this.options.tokenSource.botLogin();
    const { data } = await this.call("GET /user", () => this.octokit.rest.users.getAuthenticated());
    return data.login;
  }

  async getRepo(repo: RepoRef): Promise<RepoLookup> {
    const response = await this.call("GET /repos/{owner}/{repo}", () =>
      this.octokit.rest.repos.get({ owner: repo.owner, repo: repo.repo }),
    ).catch((error: unknown) => {
      // GitHub answers 404 for a repository the token may not see as well as for a missing one.
      if (error instanceof GitHubApiError && error.status === 404) return undefined;
      throw error;
    });
    if (response === undefined) return { kind: "not_found" };
    const { data } = response;
    return {
      kind: "found",
      repo: {
        fullName: data.full_name,
        cloneUrl: data.clone_url,
        defaultBranch: data.default_branch,
        htmlUrl: data.html_url,
        private: data.private,
      },
    };
  }

  async listOpenIssuesWithLabel(repo: RepoRef, label: string, options: ListIssuesOptions = {}): Promise<ListIssuesResult> {
    const { etag, since } = options;
    const issues: DispatchIssue[] = [];
    let firstEtag: string | undefined;
    for (let page = 1; ; page++) {
      const response = await this.call("GET /repos/{owner}/{repo}/issues", () =>
        this.octokit.rest.issues.listForRepo({
          owner: repo.owner,
          repo: repo.repo,
          state: "open",
          labels: label,
          // Most recently updated first: any new or changed issue changes page 1 and so its ETag,
          // which lets one conditional request stand for the whole list. An issue updated while
          // later pages are read moves to page 1 (read already) and shifts the rest down: it can
          // be seen twice but never skipped among those older, and the caller's next `since` finds it.
          sort: "updated",
          direction: "desc",
          ...(since === undefined ? {} : { since }),
          per_page: 100,
          page,
          headers: page === 1 && etag !== undefined ? { "if-none-match": etag } : {},
        }),
      ).catch((error: unknown) => {
        if (page === 1 && error instanceof GitHubApiError && error.status === 304) return undefined;
        throw error;
      });
      if (response === undefined) return { status: "not_modified" };
      if (page === 1) firstEtag = response.headers.etag;
      for (const item of response.data) issues.push(toDispatchIssue(item));
      if (!/\brel="next"/.test(response.headers.link ?? "")) break;
    }
    return { status: "modified", etag: firstEtag, issues };
  }

  async listIssueComments(repo: RepoRef, issueNumber: number): Promise<IssueComment[]> {
    const comments: IssueComment[] = [];
    for (let page = 1; ; page++) {
      const response = await this.call("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", () =>
        this.octokit.rest.issues.listComments({
          owner: repo.owner,
          repo: repo.repo,
          issue_number: issueNumber,
          per_page: 100,
          page,
        }),
      );
      for (const c of response.data) comments.push(toComment(c));
      if (!/\brel="next"/.test(response.headers.link ?? "")) return comments;
    }
  }

  async listRepoIssueComments(repo: RepoRef, options: ListCommentsOptions = {}): Promise<ListRepoCommentsResult> {
    const { etag, since } = options;
    const listed = await this.newestFirstPages(
      "GET /repos/{owner}/{repo}/issues/comments",
      etag,
      (page, headers) =>
        this.octokit.rest.issues.listCommentsForRepo({ ...newestFirst(repo, since), page, headers }),
      (c): RepoComment | undefined => {
        const issueNumber = issueNumberOf(c.issue_url);
        return issueNumber === undefined ? undefined : { ...toComment(c), issueNumber, updatedAt: c.updated_at };
      },
    );
    return listed.status === "not_modified" ? listed : { status: "modified", etag: listed.etag, comments: listed.items };
  }

  async listRepoReviewComments(repo: RepoRef, options: ListCommentsOptions = {}): Promise<ListRepoReviewCommentsResult> {
    const { etag, since } = options;
    const listed = await this.newestFirstPages(
      "GET /repos/{owner}/{repo}/pulls/comments",
      etag,
      (page, headers) =>
        this.octokit.rest.pulls.listReviewCommentsForRepo({ ...newestFirst(repo, since), page, headers }),
      (c): ReviewComment | undefined => {
        const pullNumber = pullNumberOf(c.pull_request_url);
        if (pullNumber === undefined || c.path === "") return undefined;
        // `line` is null on a comment GitHub marks outdated or made on a whole file.
        const line = typeof c.line === "number" && c.line > 0 ? c.line : undefined;
        return { ...toComment(c), pullNumber, path: c.path, line, updatedAt: c.updated_at };
      },
    );
    return listed.status === "not_modified" ? listed : { status: "modified", etag: listed.etag, comments: listed.items };
  }

  /**
   * The newest pages of a repository-wide listing sorted by update, newest first: any new or
   * edited item changes page 1 and so its ETag, and one conditional request of page 1 (`etag`)
   * stands for the whole list. At most MAX_COMMENT_PAGES pages; `read` drops what it cannot use.
   */
  private async newestFirstPages<T, R>(
    route: string,
    etag: string | undefined,
    fetchPage: (page: number, headers: Record<string, string>) => Promise<{ data: T[]; headers: { etag?: string; link?: string } }>,
    read: (item: T) => R | undefined,
  ): Promise<{ status: "not_modified" } | { status: "modified"; etag: string | undefined; items: R[] }> {
    const items: R[] = [];
    let firstEtag: string | undefined;
    for (let page = 1; page <= MAX_COMMENT_PAGES; page++) {
      const headers: Record<string, string> = page === 1 && etag !== undefined ? { "if-none-match": etag } : {};
      const response = await this.call(route, () => fetchPage(page, headers)).catch((error: unknown) => {
        if (page === 1 && error instanceof GitHubApiError && error.status === 304) return undefined;
        throw error;
      });
      if (response === undefined) return { status: "not_modified" };
      if (page === 1) firstEtag = response.headers.etag;
      for (const item of response.data) {
        const value = read(item);
        if (value !== undefined) items.push(value);
      }
      if (!/\brel="next"/.test(response.headers.link ?? "")) break;
    }
    return { status: "modified", etag: firstEtag, items };
  }

  async getPull(repo: RepoRef, pullNumber: number): Promise<PullRequest | undefined> {
    const response = await this.call("GET /repos/{owner}/{repo}/pulls/{pull_number}", () =>
      this.octokit.rest.pulls.get({ owner: repo.owner, repo: repo.repo, pull_number: pullNumber }),
    ).catch((error: unknown) => {
      // An issue's number, or a PR the token cannot see, is "no such PR".
      if (error instanceof GitHubApiError && error.status === 404) return undefined;
      throw error;
    });
    return response === undefined ? undefined : toPull(response.data);
  }

  async createIssueComment(repo: RepoRef, issueNumber: number, body: string): Promise<IssueComment> {
    const { data } = await this.call("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", () =>
      this.octokit.rest.issues.createComment({
        owner: repo.owner,
        repo: repo.repo,
        issue_number: issueNumber,
        body: this.public(body),
        // A blind retry after a lost response would post the comment twice; the caller
        // checks for its marker before posting again instead.
        request: { retries: 0 },
      }),
    );
    return toComment(data);
  }

  async updateIssueComment(repo: RepoRef, commentId: number, body: string): Promise<IssueComment> {
    // An edit repeated after a lost response writes the same body again: safe to retry.
    const { data } = await this.call("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", () =>
      this.octokit.rest.issues.updateComment({ owner: repo.owner, repo: repo.repo, comment_id: commentId, body: this.public(body) }),
    );
    return toComment(data);
  }

  async addLabels(repo: RepoRef, issueNumber: number, labels: string[]): Promise<void> {
    await this.call("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", () =>
      this.octokit.rest.issues.addLabels({ owner: repo.owner, repo: repo.repo, issue_number: issueNumber, labels }),
    );
  }

  async findPullsByHead(repo: RepoRef, headOwner: string, branch: string): Promise<PullRequest[]> {
    const { data } = await this.call("GET /repos/{owner}/{repo}/pulls", () =>
      this.octokit.rest.pulls.list({
        owner: repo.owner,
        repo: repo.repo,
        state: "all",
        head: `${headOwner}:${branch}`,
        per_page: 100,
      }),
    );
    return data.map(toPull);
  }

  async createPull(
    repo: RepoRef,
    input: { title: string; body: string; head: string; base: string; draft?: boolean },
  ): Promise<CreatePullResult> {
    const response = await this.call("POST /repos/{owner}/{repo}/pulls", () =>
      this.octokit.rest.pulls.create({
        owner: repo.owner,
        repo: repo.repo,
        ...input,
        title: this.public(input.title),
        body: this.public(input.body),
      }),
    ).catch((error: unknown) => {
      if (isPullAlreadyExists(error)) return undefined;
      throw error;
    });
    return response === undefined ? { kind: "already_exists" } : { kind: "created", pull: toPull(response.data) };
  }

  async updatePull(repo: RepoRef, pullNumber: number, input: { title: string; body: string }): Promise<PullRequest> {
    const { data } = await this.call("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", () =>
      this.octokit.rest.pulls.update({
        owner: repo.owner,
        repo: repo.repo,
        pull_number: pullNumber,
        title: this.public(input.title),
        body: this.public(input.body),
      }),
    );
    return toPull(data);
  }

  async listBranchesWithPrefix(repo: RepoRef, prefix: string, options: { etag?: string | undefined } = {}): Promise<ListBranchesResult> {
    // One answer, unpaginated: GitHub returns every matching ref at once.
    const response = await this.call("GET /repos/{owner}/{repo}/git/matching-refs/{ref}", () =>
      this.octokit.rest.git.listMatchingRefs({
        owner: repo.owner,
        repo: repo.repo,
        ref: `heads/${prefix}`,
        headers: options.etag === undefined ? {} : { "if-none-match": options.etag },
      }),
    ).catch((error: unknown) => {
      if (options.etag !== undefined && error instanceof GitHubApiError && error.status === 304) return undefined;
      throw error;
    });
    if (response === undefined) return { status: "not_modified" };
    const branches = response.data
      .filter((ref) => ref.ref.startsWith("refs/heads/") && ref.object.type === "commit")
      .map((ref) => ({ name: ref.ref.slice("refs/heads/".length), sha: ref.object.sha }));
    return { status: "modified", etag: response.headers.etag, branches };
  }

  async deleteBranch(repo: RepoRef, branch: string): Promise<"deleted" | "not_found"> {
    const response = await this.call("DELETE /repos/{owner}/{repo}/git/refs/{ref}", () =>
      this.octokit.rest.git.deleteRef({ owner: repo.owner, repo: repo.repo, ref: `heads/${branch}` }),
    ).catch((error: unknown) => {
      // GitHub answers 422 "Reference does not exist" for a ref that is gone (404 when the repository is).
      const gone = error instanceof GitHubApiError && (error.status === 404 || (error.status === 422 && /reference does not exist/i.test(error.message)));
      if (gone) return undefined;
      throw error;
    });
    return response === undefined ? "not_found" : "deleted";
  }

  async getIssue(repo: RepoRef, issueNumber: number): Promise<DispatchIssue | undefined> {
    const response = await this.call("GET /repos/{owner}/{repo}/issues/{issue_number}", () =>
      this.octokit.rest.issues.get({ owner: repo.owner, repo: repo.repo, issue_number: issueNumber }),
    ).catch((error: unknown) => {
      if (error instanceof GitHubApiError && (error.status === 404 || error.status === 410)) return undefined;
      throw error;
    });
    return response === undefined ? undefined : toDispatchIssue(response.data);
  }

  async closePull(repo: RepoRef, pullNumber: number): Promise<PullRequest> {
    const { data } = await this.call("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", () =>
      this.octokit.rest.pulls.update({ owner: repo.owner, repo: repo.repo, pull_number: pullNumber, state: "closed" }),
    );
    return toPull(data);
  }

  /**
   * Text about to be published on GitHub. Failure comments quote error
   * messages, which may quote anything (a tool echoing its environment):
   * the token is masked here, on the way out, whatever put it there.
   */
  private public(text: string): string {
    return scrubText(text, [this.options.token, ...currentSecrets(this.options.secrets ?? [])]);
  }

  /** Runs one request and turns Octokit's RequestError (which holds the token) into GitHubApiError. */
  private async call<T>(route: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toGitHubApiError(route, error);
    }
  }
}
