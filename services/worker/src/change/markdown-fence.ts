/**
 * Wraps text in a fence longer than any backtick run inside it, so text that
 * came from a user or a child process cannot close the fence and inject markdown.
 */
export function markdownFence(text: string, info = "text"): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const bar = "`".repeat(longest + 1);
  return `${bar}${info}\n${text}\n${bar}`;
}
