import type { GitHubClient, PullRequest, RepoRef } from "@agent-runner/core";
import type { RunnerIdentity } from "@agent-runner/core";
import type { StepObserver } from "./step-observer.js";

export interface PullContent {
  readonly title: string;
  readonly body: string;
  readonly head: string;
  readonly base: string;
  /** Opens the PR as a draft (work a timed-out run kept); an existing PR keeps its draft state. */
  readonly draft?: boolean;
}

export interface PublishedPull {
  readonly pull: PullRequest;
  readonly state: "opened" | "updated";
  /** False only for a PR this call created: nobody can have announced it yet. */
  readonly preExisting: boolean;
}

/** Opens the task's PR, or brings the one it already has up to date, without ever opening a second. */
export class PullPublisher {
  constructor(
    private readonly github: GitHubClient,
    private readonly runner: RunnerIdentity,
    private readonly target: RepoRef,
    private readonly taskId: string,
    private readonly observer: StepObserver,
  ) {}

  async publish(content: PullContent, existing: PullRequest | undefined): Promise<PublishedPull> {
    return existing === undefined ? this.open(content) : this.update(content, existing);
  }

  private async update(content: PullContent, existing: PullRequest): Promise<PublishedPull> {
    if (existing.title === content.title && existing.body === content.body) {
      this.observer.pullRequest("unchanged");
      return { pull: existing, state: "updated", preExisting: true };
    }
    const pull = await this.github.updatePull(this.target, existing.number, { title: content.title, body: content.body });
    this.observer.pullRequest("updated");
    return { pull, state: "updated", preExisting: true };
  }

  private async open(content: PullContent): Promise<PublishedPull> {
    const created = await this.github.createPull(this.target, content);
    if (created.kind === "created") {
      this.observer.pullRequest("created");
      return { pull: created.pull, state: "opened", preExisting: false };
    }
    // A create whose first response was lost comes back as "already exists": find it. An open
    // PR someone else opened from the branch meanwhile is not adopted; the retry that follows
    // this error sees it and moves the task to a branch of its own.
    const pulls = await this.github.findPullsByHead(this.target, this.target.owner, content.head);
    const found = pulls.find((p) => p.state === "open" && this.runner.ownsPull(p, this.taskId));
    if (found === undefined) throw new Error(`an open pull request from ${content.head} exists, but it is not this task's`);
    this.observer.pullRequest("unchanged");
    return { pull: found, state: "opened", preExisting: true };
  }
}
