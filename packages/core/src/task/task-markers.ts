/**
 * Hidden markers let agent-runner recognise its own PRs and comments on GitHub,
 * which is what makes every write idempotent across retries and restarts.
 */
export function correlationComment(taskId: string): string {
  return `<!-- agent_task_metadata ${JSON.stringify({ task_id: taskId })} -->`;
}

export function doneMarker(taskId: string): string {
  return `<!-- agent-runner:done ${JSON.stringify({ task_id: taskId })} -->`;
}

export function failedMarker(taskId: string): string {
  return `<!-- agent-runner:failed ${JSON.stringify({ task_id: taskId })} -->`;
}

/** The task id named in a PR body's correlation comment, if any. */
export function taskIdInBody(body: string | null): string | undefined {
  if (body === null) return undefined;
  const match = /<!--\s*agent_task_metadata\s*(\{[\s\S]*?\})\s*-->/.exec(body);
  if (match?.[1] === undefined) return undefined;
  try {
    const parsed = JSON.parse(match[1]) as { task_id?: unknown };
    return typeof parsed.task_id === "string" ? parsed.task_id : undefined;
  } catch {
    return undefined;
  }
}
