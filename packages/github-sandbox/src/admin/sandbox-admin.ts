import { commentJson } from "../serializers/comment-json.js";
import { issueJson, singleIssueJson } from "../serializers/issue-json.js";
import { adminPullJson } from "../serializers/pull-json.js";
import { fullRepoJson } from "../serializers/repo-json.js";
import { reviewCommentJson } from "../serializers/review-comment-json.js";
import type { SandboxRuntime } from "../sandbox-runtime.js";
import type { IssueRecord, RepoRecord } from "../state/records.js";
import type { SandboxAdmin } from "../types.js";

/** Seeding, inspection and fault control for tests, benchmarks and the `/_admin` HTTP API. */
export function createSandboxAdmin(rt: SandboxRuntime): SandboxAdmin {
  const { state } = rt;
  const ownerLogin = state.users.roles.owner;
  const repoOf = (owner: string, name: string): RepoRecord => {
    const repo = state.findRepo(owner, name);
    if (!repo) throw new Error(`No repository ${owner}/${name}`);
    return repo;
  };
  const issueOf = (repo: RepoRecord, number: number): IssueRecord => {
    const issue = repo.issues.get(number);
    if (!issue) throw new Error(`No issue #${number} in ${repo.owner}/${repo.name}`);
    return issue;
  };
  const pullOf = (repo: RepoRecord, number: number): IssueRecord => {
    const issue = issueOf(repo, number);
    if (!issue.pull) throw new Error(`#${number} in ${repo.owner}/${repo.name} is not a pull request`);
    return issue;
  };

  return {
    async createRepo(input) {
      return fullRepoJson(rt.json, await state.createRepo(input), ownerLogin);
    },
    getRepo(owner, name) {
      const repo = state.findRepo(owner, name);
      return repo ? fullRepoJson(rt.json, repo, ownerLogin) : undefined;
    },
    createUser(input) {
      const account = state.users.ensure(input.login);
      if (input.token === false) return { login: account.login, id: account.id };
      return { login: account.login, id: account.id, token: state.users.mintToken(account.login, input.readOnlyToken ?? false) };
    },
    registerApp: (input) => state.apps.register(input),
    installationTokens: () => state.apps.mintedTokens(),
    createIssue(owner, name, input) {
      const repo = repoOf(owner, name);
      const author = state.users.ensure(input.user ?? ownerLogin).login;
      const issue = rt.issues.create(repo, author, {
        title: input.title,
        body: input.body ?? null,
        labels: input.labels ?? [],
        ...(input.authorAssociation ? { authorAssociation: input.authorAssociation } : {}),
        ...(input.state ? { state: input.state } : {}),
      });
      if (input.openedAt !== undefined) issue.createdAt = issue.updatedAt = input.openedAt.getTime();
      return singleIssueJson(rt.json, repo, issue);
    },
    updateIssue(owner, name, number, patch) {
      const repo = repoOf(owner, name);
      const issue = rt.issues.update(repo, issueOf(repo, number), ownerLogin, patch);
      return singleIssueJson(rt.json, repo, issue);
    },
    createComment(owner, name, number, input) {
      const repo = repoOf(owner, name);
      const author = state.users.ensure(input.user ?? ownerLogin).login;
      return commentJson(rt.json, repo, rt.issues.comment(repo, issueOf(repo, number), author, input.body));
    },
    deleteComment(owner, name, commentId) {
      const repo = repoOf(owner, name);
      const comment = repo.comments.get(commentId);
      if (!comment) throw new Error(`No comment ${commentId} in ${owner}/${name}`);
      repo.comments.delete(commentId);
      const issue = repo.issues.get(comment.issueNumber);
      if (issue) issue.commentCount = Math.max(0, issue.commentCount - 1);
    },
    createReviewComment(owner, name, number, input) {
      const repo = repoOf(owner, name);
      const author = state.users.ensure(input.user ?? ownerLogin).login;
      const { body, path, line, inReplyTo } = input;
      const comment = rt.reviewComments.create(repo, pullOf(repo, number), author, {
        body,
        ...(path === undefined ? {} : { path }),
        ...(line === undefined ? {} : { line }),
        ...(inReplyTo === undefined ? {} : { inReplyTo }),
      });
      return reviewCommentJson(rt.json, repo, comment);
    },
    listReviewComments(owner, name, number) {
      const repo = repoOf(owner, name);
      return state.reviewCommentsOf(repo, pullOf(repo, number).number).map((comment) => reviewCommentJson(rt.json, repo, comment));
    },
    getIssue(owner, name, number) {
      const repo = repoOf(owner, name);
      const issue = repo.issues.get(number);
      return issue ? singleIssueJson(rt.json, repo, issue) : undefined;
    },
    listIssues(owner, name) {
      const repo = repoOf(owner, name);
      return [...repo.issues.values()].filter((issue) => !issue.pull).map((issue) => issueJson(rt.json, repo, issue));
    },
    listComments(owner, name, number) {
      const repo = repoOf(owner, name);
      return state.commentsOf(repo, number).map((comment) => commentJson(rt.json, repo, comment));
    },
    listPulls(owner, name) {
      const repo = repoOf(owner, name);
      const pulls = [...repo.issues.values()].filter((issue) => issue.pull);
      rt.pulls.refreshAllSync(repo, pulls);
      return pulls.map((issue) => adminPullJson(rt.json, repo, issue));
    },
    getPull(owner, name, number) {
      const repo = repoOf(owner, name);
      const issue = repo.issues.get(number);
      if (!issue?.pull) return undefined;
      rt.pulls.refreshAllSync(repo, [issue]);
      return adminPullJson(rt.json, repo, issue);
    },
    async mergePull(owner, name, number) {
      const repo = repoOf(owner, name);
      await rt.pulls.merge(repo, pullOf(repo, number), ownerLogin);
    },
    closePull(owner, name, number) {
      const repo = repoOf(owner, name);
      rt.pulls.close(pullOf(repo, number), ownerLogin);
    },
    listBranches(owner, name) {
      return state.git(repoOf(owner, name)).branches();
    },
    async commitFiles(owner, name, input) {
      const repo = repoOf(owner, name);
      const sha = await state.git(repo).commitFiles(input.branch, input.files, input.message ?? "Update files", input.from ?? repo.defaultBranch);
      repo.pushedAt = Date.now();
      return sha;
    },
    createBranch(owner, name, branch, from) {
      const repo = repoOf(owner, name);
      return state.git(repo).createBranch(branch, from ?? repo.defaultBranch);
    },
    deleteBranch(owner, name, branch) {
      return state.git(repoOf(owner, name)).deleteBranch(branch);
    },
    readFile(owner, name, ref, path) {
      return state.git(repoOf(owner, name)).readFile(ref, path);
    },
    commitCount(owner, name, ref) {
      return state.git(repoOf(owner, name)).commitCount(ref);
    },
    requestLog: () => rt.log.all(),
    clearRequestLog: () => rt.log.clear(),
    injectFault: (fault) => rt.faults.inject(fault),
    clearFaults: () => rt.faults.clear(),
    setLatency(ms) {
      rt.settings.latencyMs = Math.max(0, ms);
    },
    setRateLimit: (options) => rt.primaryLimit.configure(options),
    setSecondaryLimit: (options) => rt.secondaryLimit.configure(options),
    secondaryLimitHits: () => rt.secondaryLimit.hits(),
    violations: () => rt.log.violations(),
    setWebhook: (config) => rt.webhooks.configure(config),
    deliveries: () => rt.webhooks.deliveries(),
    flushWebhooks: () => rt.webhooks.flush(),
  };
}
