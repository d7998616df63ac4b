import type { PullRequest } from "../ports/github-client.js";
import { taskIdInBody } from "./task-markers.js";

/**
 * Who the runner is on GitHub: the login its token acts as, learned once at
 * start. Only what this login wrote (PRs, marker comments) counts as the
 * runner's own; text anyone can write (a PR body, a commit trailer, a marker)
 * proves nothing on its own.
 */
export class RunnerIdentity {
  constructor(readonly login: string) {}

  /** GitHub logins are case-insensitive; a deleted account (undefined) is nobody. */
  wrote(authorLogin: string | undefined): boolean {
    return authorLogin !== undefined && authorLogin.toLowerCase() === this.login.toLowerCase();
  }

  /** The task's PR: opened by the runner, and naming the task in its body. */
  ownsPull(pull: PullRequest, taskId: string): boolean {
    return this.wrote(pull.authorLogin) && taskIdInBody(pull.body) === taskId;
  }
}
