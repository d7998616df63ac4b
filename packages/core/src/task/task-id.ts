/**
 * Task ids become part of a git ref (`agent-task-<prefix>`), a file name and a
 * BullMQ job id, so only a conservative alphabet is accepted.
 */
const TASK_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export function taskIdProblem(id: string): string | undefined {
  if (!TASK_ID_PATTERN.test(id)) {
    return "must be 1 to 128 characters of letters, digits, '.', '_' or '-'";
  }
  if (id.includes("..")) return "must not contain '..'";
  if (id.endsWith(".") || id.endsWith(".lock")) return "must not end with '.' or '.lock'";
  return undefined;
}

export function isValidTaskId(id: string): boolean {
  return taskIdProblem(id) === undefined;
}

/**
 * BullMQ refuses custom job ids that look like integers (they would clash with
 * its own counters; negative ones such as "-1" included) and ids containing ':'.
 * '@' never occurs in a task id, so the mapping is collision-free.
 */
export function jobIdForTask(taskId: string): string {
  return /^-?\d+$/.test(taskId) ? `@${taskId}` : taskId;
}

/**
 * The job id of one run of a task: the first run keeps the plain id (jobs
 * queued before runs existed stay recognised), later runs add `#<run>`.
 */
export function jobIdForRun(taskId: string, run: number): string {
  return run <= 1 ? jobIdForTask(taskId) : `${jobIdForTask(taskId)}#${run}`;
}
