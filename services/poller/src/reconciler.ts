import {
  announcePull,
  branchNameFor,
  candidatePrefixes,
  classifyError,
  doneReport,
  formatRepoRef,
  runnerMentioned,
  runnerReport,
  taskResultSchema,
  type BranchRef,
  type CancellationLedger,
  type DispatchIssue,
  type DonePullState,
  type GitHubClient,
  type PullRequest,
  type PushLedger,
  type ReconcileLedger,
  type RepoRef,
  type RunnerIdentity,
  type TaskJobInspector,
  type TaskRuns,
} from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import { OrphanBranches, couldBeBranchOf } from "./orphan-branches.js";
import type { DriftAction, DriftKind, ReconcileMetrics } from "./reconcile-metrics.js";
import { isSettled, readTaskView, sameRepo, stillSettled, type TaskView, type ViewSources } from "./reconcile-view.js";
import type { RunnerIdentitySource } from "./runner-identity-source.js";

export interface ReconcilerDeps {
  readonly github: GitHubClient;
  readonly runs: TaskRuns;
  readonly cancels: CancellationLedger;
  readonly jobs: TaskJobInspector;
  readonly pushes: PushLedger;
  readonly ledger: ReconcileLedger;
  /** Who the runner is: only its own comments and PRs count as a task's report and PR. */
  readonly runner: RunnerIdentitySource;
  readonly dispatchRepo: RepoRef;
  readonly dispatchLabel: string;
  readonly processedLabel: string;
  readonly deleteOrphanBranches: boolean;
  /** A job active longer than this is reported stuck. */
  readonly stuckJobMs: number;
  /** Tracked tasks looked at per sweep (the next sweep goes on where this one stopped). */
  readonly maxTasks?: number;
  /** Target repositories whose branches are looked at per sweep. */
  readonly maxRepos?: number;
  readonly metrics: ReconcileMetrics;
  readonly log: Logger;
}

export interface SweepSummary {
  readonly tasks: number;
  readonly repos: number;
  readonly repaired: number;
  readonly reported: number;
  readonly deleted: number;
}

const DEFAULT_MAX_TASKS = 500;
const DEFAULT_MAX_REPOS = 50;
/** Active jobs looked at for the stuck report: far more than any fleet runs at once. */
const MAX_ACTIVE_JOBS = 500;
/** Redis look-ups in flight at once. */
const CONCURRENCY = 20;

/**
 * One reconcile sweep: finds and repairs drift between what Redis says of
 * tracked tasks and what GitHub shows. Mostly Redis reads; on GitHub one
 * conditional listing of the dispatch issues, one of `agent-task-*` refs per
 * target repository, and a read or write per drift item. A task whose run is
 * live, or that a person cancelled or held, is never touched: a live attempt
 * repairs its own, and a stopped one stays as the person left it.
 */
export class Reconciler {
  private cursor = 0;
  private listing: { etag: string | undefined; issues: Map<number, DispatchIssue> } | undefined;
  private readonly branches: OrphanBranches;
  private readonly stuckSeen = new Set<string>();
  private readonly sources: ViewSources;

  constructor(private readonly deps: ReconcilerDeps) {
    this.branches = new OrphanBranches({ github: deps.github, pushes: deps.pushes, deleteOrphans: deps.deleteOrphanBranches, log: deps.log });
    this.sources = { runs: deps.runs, cancels: deps.cancels, jobs: deps.jobs };
  }

  async sweep(): Promise<SweepSummary> {
    const started = performance.now();
    const counts = { repaired: 0, reported: 0, deleted: 0 };
    const count = (kind: DriftKind, action: DriftAction): void => {
      this.deps.metrics.drift(kind, action);
      counts[action]++;
    };
    const tracked = await this.deps.runs.tracked();
    // Redis before GitHub: a run that finished before the listing was read wrote its marks before it too.
    const views = await this.viewsOf(this.window(tracked));
    const issues = await this.openIssues();
    const runner = await this.deps.runner();
    for (const view of views) await this.guarded(view.taskId, () => this.reconcileTask(view, issues.get(view.issueNumber), runner, count));
    const repos = await this.reconcileBranches(views, tracked, count);
    await this.reportStuckJobs(count);
    this.deps.metrics.swept((performance.now() - started) / 1000);
    return { tasks: views.length, repos, ...counts };
  }

  /** The next `maxTasks` tracked tasks, by id, wrapping around: a large fleet is covered over several sweeps. */
  private window(tracked: ReadonlyMap<string, number>): [string, number][] {
    const all = [...tracked].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const max = this.deps.maxTasks ?? DEFAULT_MAX_TASKS;
    if (all.length <= max) return all;
    const start = this.cursor % all.length;
    this.cursor = start + max;
    return [...all.slice(start), ...all.slice(0, start)].slice(0, max);
  }

  private async viewsOf(tasks: readonly [string, number][]): Promise<TaskView[]> {
    const views: TaskView[] = [];
    for (let i = 0; i < tasks.length; i += CONCURRENCY) {
      const batch = tasks.slice(i, i + CONCURRENCY);
      views.push(...(await Promise.all(batch.map(([taskId, issue]) => readTaskView(this.sources, taskId, issue)))));
    }
    return views;
  }

  /** Every open issue with the dispatch label, by number: one conditional listing, free when nothing changed. */
  private async openIssues(): Promise<Map<number, DispatchIssue>> {
    const { github, dispatchRepo, dispatchLabel } = this.deps;
    const listing = await github.listOpenIssuesWithLabel(dispatchRepo, dispatchLabel, { etag: this.listing?.etag });
    if (listing.status === "not_modified" && this.listing !== undefined) return this.listing.issues;
    if (listing.status === "not_modified") return new Map();
    this.listing = { etag: listing.etag, issues: new Map(listing.issues.map((issue) => [issue.number, issue])) };
    return this.listing.issues;
  }

  private async reconcileTask(view: TaskView, issue: DispatchIssue | undefined, runner: RunnerIdentity, count: Count): Promise<void> {
    // An issue closed or unlabelled is the tracker's to cancel; a live or stopped run is not ours.
    if (issue === undefined || issue.isPullRequest || !isSettled(view)) return;
    if (view.job?.state === "completed") await this.reconcileDone(view, issue, runner, count);
    // Only a first run: a later one's failure report replaced the earlier run's in place.
    else if (view.run === 1) await this.reconcileUnreported(view, issue, runner, count);
  }

  /** A task done by the worker's own account: its PR said on the issue, and the label on it. */
  private async reconcileDone(view: TaskView, issue: DispatchIssue, runner: RunnerIdentity, count: Count): Promise<void> {
    const result = taskResultSchema.safeParse(view.job?.result);
    if (result.success) await this.ensureAnnounced(view, issue, runner, { htmlUrl: result.data.pullUrl }, result.data.pullState, count);
    await this.ensureLabelled(view, issue, count);
  }

  /**
   * A run that failed for good without a word on the issue (its report failed too), though the
   * runner's PR for the task exists: the issue gets what a finished run leaves, comment and label.
   */
  private async reconcileUnreported(view: TaskView, issue: DispatchIssue, runner: RunnerIdentity, count: Count): Promise<void> {
    const stamp = stampOf(issue, "unreported");
    if (view.target === undefined || (await this.deps.ledger.verified(view.taskId)) === stamp) return;
    const comments = await this.deps.github.listIssueComments(this.deps.dispatchRepo, issue.number);
    const pull = runnerReport(comments, runner, view.taskId) === undefined ? await this.taskPull(view.target, view.taskId, runner) : undefined;
    if (pull === undefined) {
      await this.deps.ledger.markVerified(view.taskId, stamp);
      return;
    }
    if (!(await stillSettled(this.sources, view))) return;
    const state: DonePullState = pull.merged ? "merged" : pull.state === "closed" ? "closed" : "opened";
    await this.announce(view, issue, runner, comments, doneReport(view.taskId, pull, state), count);
    await this.ensureLabelled(view, issue, count);
  }

  /**
   * The issue has a comment of the runner's naming the PR, or gets the one done comment. An
   * issue whose `updated_at` and comment count are those last found in order is not read again.
   */
  private async ensureAnnounced(
    view: TaskView,
    issue: DispatchIssue,
    runner: RunnerIdentity,
    pull: Pick<PullRequest, "htmlUrl">,
    state: DonePullState,
    count: Count,
  ): Promise<void> {
    const stamp = stampOf(issue, pull.htmlUrl);
    if ((await this.deps.ledger.verified(view.taskId)) === stamp) return;
    const comments = await this.deps.github.listIssueComments(this.deps.dispatchRepo, issue.number);
    if (runnerMentioned(comments, runner, pull.htmlUrl)) {
      await this.deps.ledger.markVerified(view.taskId, stamp);
      return;
    }
    if (!(await stillSettled(this.sources, view))) return;
    await this.announce(view, issue, runner, comments, doneReport(view.taskId, pull, state), count);
  }

  private async announce(view: TaskView, issue: DispatchIssue, runner: RunnerIdentity, comments: Parameters<typeof announcePull>[2], body: string, count: Count): Promise<void> {
    // As the worker words a later run's report, so the two read alike.
    const text = view.run > 1 ? `${body}\n(run ${view.run} of this task)\n` : body;
    const issueRef = { repo: this.deps.dispatchRepo, issueNumber: issue.number };
    const wrote = await announcePull(this.deps.github, issueRef, comments, runner, view.taskId, text);
    if (wrote === "unchanged") return;
    count("missing_comment", "repaired");
    this.deps.log.info({ taskId: view.taskId, issue: issue.number, wrote }, "reconcile: the task's PR was not said on its issue; said it");
  }

  private async ensureLabelled(view: TaskView, issue: DispatchIssue, count: Count): Promise<void> {
    const label = this.deps.processedLabel.toLowerCase();
    if (issue.labels.some((l) => l.toLowerCase() === label)) return;
    if (!(await stillSettled(this.sources, view))) return;
    await this.deps.github.addLabels(this.deps.dispatchRepo, issue.number, [this.deps.processedLabel]);
    count("missing_label", "repaired");
    this.deps.log.info({ taskId: view.taskId, issue: issue.number }, "reconcile: a done task's issue lacked its label; added it");
  }

  /** The runner's PR for the task, from the branches its name may take that exist. */
  private async taskPull(target: RepoRef, taskId: string, runner: RunnerIdentity): Promise<PullRequest | undefined> {
    const existing = new Set((await this.branches.branches(target, new Set())).map((b) => b.name));
    for (const prefix of candidatePrefixes(taskId)) {
      const branch = branchNameFor(prefix);
      if (!existing.has(branch)) continue;
      const ours = (await this.deps.github.findPullsByHead(target, target.owner, branch)).filter((p) => runner.ownsPull(p, taskId));
      const pull = ours.find((p) => p.state === "open") ?? ours.find((p) => p.merged) ?? ours.at(-1);
      if (pull !== undefined) return pull;
    }
    return undefined;
  }

  /** The target repositories of the tasks looked at: their `agent-task-*` branches. Returns how many repos were looked at. */
  private async reconcileBranches(views: readonly TaskView[], tracked: ReadonlyMap<string, number>, count: Count): Promise<number> {
    const repos = new Map<string, RepoRef>();
    for (const view of views) if (view.target !== undefined) repos.set(formatRepoRef(view.target).toLowerCase(), view.target);
    const chosen = [...repos.values()].slice(0, this.deps.maxRepos ?? DEFAULT_MAX_REPOS);
    const fresh = new Set<string>();
    const known = new Map(views.map((v) => [v.taskId, v]));
    for (const repo of chosen) {
      await this.guarded(formatRepoRef(repo), async () => {
        const branches: BranchRef[] = await this.branches.branches(repo, fresh);
        await this.branches.check(repo, branches, (branch) => this.ownersOf(repo, branch, tracked, known), (action) => count("orphan_branch", action));
      });
    }
    return chosen.length;
  }

  /** Tracked tasks whose branch `branch` could be; read from Redis when outside this sweep's window. */
  private async ownersOf(repo: RepoRef, branch: string, tracked: ReadonlyMap<string, number>, known: Map<string, TaskView>): Promise<TaskView[]> {
    const owners: TaskView[] = [];
    for (const [taskId, issue] of tracked) {
      if (!couldBeBranchOf(branch, taskId)) continue;
      let view = known.get(taskId);
      if (view === undefined) {
        view = await readTaskView(this.sources, taskId, issue);
        known.set(taskId, view);
      }
      if (sameRepo(view.target, repo)) owners.push(view);
    }
    return owners;
  }

  /**
   * Jobs active far longer than any attempt may run: BullMQ's stalled check takes back a job
   * whose worker died, so one still active holds a live lock on a worker that hangs. Reported
   * (a gauge, and once per job on the counter and in the log), never touched.
   */
  private async reportStuckJobs(count: Count): Promise<void> {
    const now = Date.now();
    const active = await this.deps.jobs.activeJobs(MAX_ACTIVE_JOBS);
    const stuck = active.filter((job) => job.startedAt !== undefined && now - job.startedAt > this.deps.stuckJobMs);
    this.deps.metrics.stuckJobs(stuck.length);
    for (const job of stuck) {
      if (this.stuckSeen.has(job.jobId)) continue;
      if (this.stuckSeen.size >= 10_000) this.stuckSeen.clear();
      this.stuckSeen.add(job.jobId);
      count("stuck_job", "reported");
      this.deps.log.warn({ jobId: job.jobId, activeSeconds: Math.round((now - (job.startedAt ?? now)) / 1000) }, "reconcile: job active for longer than RECONCILE_STUCK_JOB_SECONDS");
    }
  }

  /** One item's failure is logged and the sweep goes on; a rate limit ends the sweep (the next one retries). */
  private async guarded(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (classifyError(error).kind === "rate_limited") throw error;
      this.deps.log.warn({ err: error, item: what }, "reconcile: could not check an item; the next sweep tries again");
    }
  }
}

type Count = (kind: DriftKind, action: DriftAction) => void;

/** What an issue looked like when found in order: its last change, its comment count, and what was checked. */
function stampOf(issue: DispatchIssue, checked: string): string {
  return `${issue.updatedAt}|${issue.comments}|${checked}`;
}
