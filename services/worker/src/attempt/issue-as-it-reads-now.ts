import {
  InvalidTaskError,
  formatRepoRef,
  isTrustedActor,
  parseDispatchIssue,
  parseRepoRef,
  type GitHubClient,
  type RepoRef,
  type TaskJob,
  type TrustPolicy,
} from "@agent-runner/core";

/**
 * The job as its dispatch issue reads now. A job can wait, fail and be
 * requeued from the Bull Board long after the poller read its issue: the
 * issue may have been edited, or its author may no longer be trusted. So
 * every attempt reads the issue again, parses it with the poller's parser
 * and checks it with the poller's trust rule, and runs that instruction; an
 * issue that no longer stands for this task fails the job for good.
 */
export async function issueAsItReadsNow(job: TaskJob, github: GitHubClient, trust: TrustPolicy): Promise<TaskJob> {
  // The job schema has already checked that the name parses.
  const dispatch = parseRepoRef(job.dispatchRepo) as RepoRef;
  const issue = await github.getIssue(dispatch, job.issueNumber);
  if (issue === undefined || issue.isPullRequest) {
    throw new InvalidTaskError(`dispatch issue #${job.issueNumber} is gone`, `the dispatch issue #${job.issueNumber} no longer exists`);
  }
  if (!isTrustedActor(issue.authorLogin, issue.authorAssociation, trust)) {
    throw new InvalidTaskError(
      `dispatch issue #${job.issueNumber}'s author is not trusted`,
      `the issue's author \`${issue.authorLogin ?? "unknown"}\` (association ${issue.authorAssociation}) is no longer trusted to dispatch tasks, so the requeued job did not run`,
    );
  }
  const parsed = parseDispatchIssue({ title: issue.title, body: issue.body }, dispatch);
  if (!parsed.ok) throw new InvalidTaskError(`dispatch issue #${job.issueNumber} no longer parses: ${parsed.reason}`, `the issue no longer reads as a task: ${parsed.message}`);
  if (parsed.task.taskId !== job.taskId) {
    throw new InvalidTaskError(
      `dispatch issue #${job.issueNumber} now names task ${parsed.task.taskId}`,
      `the issue now names another task id (\`${parsed.task.taskId}\`) than this job's (\`${job.taskId}\`), so the job did not run`,
    );
  }
  return {
    ...job,
    issueTitle: issue.title.slice(0, 1024),
    issueUrl: issue.htmlUrl,
    instruction: parsed.task.instruction,
    targetRepo: formatRepoRef(parsed.task.target),
  };
}
