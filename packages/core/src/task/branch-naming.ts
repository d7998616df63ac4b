export const DEFAULT_PREFIX_LENGTH = 8;
export const BRANCH_PREFIX = "agent-task-";

/**
 * The first `length` characters of the task id, stretched until the result is
 * a valid ref component (it may not end in '.' or '.lock').
 */
export function taskPrefix(taskId: string, length = DEFAULT_PREFIX_LENGTH): string {
  let n = Math.min(length, taskId.length);
  let prefix = taskId.slice(0, n);
  while ((prefix.endsWith(".") || prefix.endsWith(".lock")) && n < taskId.length) {
    n += 1;
    prefix = taskId.slice(0, n);
  }
  return prefix;
}

export function branchNameFor(prefix: string): string {
  return `${BRANCH_PREFIX}${prefix}`;
}

export function traceFilePathFor(prefix: string): string {
  return `agent-tasks/${prefix}.md`;
}

/**
 * Prefixes to try, shortest first: 8 characters as the reference runner used,
 * then longer ones for when another task already owns the short branch, and the
 * whole id last, which no other task can share.
 */
export function candidatePrefixes(taskId: string): string[] {
  const out: string[] = [];
  for (const length of [DEFAULT_PREFIX_LENGTH, 12, 16, 24, 32, 48, 64]) {
    if (length >= taskId.length) break;
    const prefix = taskPrefix(taskId, length);
    if (!out.includes(prefix)) out.push(prefix);
  }
  if (!out.includes(taskId)) out.push(taskId);
  return out;
}
