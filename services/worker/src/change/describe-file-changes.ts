import type { FileChange } from "./plan-patches.js";

const MAX_LISTED = 50;

/** `Applied 3 file changes: `a` (modified), `b` (new), `c` → `d` (renamed).` for the PR body. */
export function describeFileChanges(changes: readonly FileChange[]): string {
  const unique = uniqueChanges(changes);
  const listed = unique.slice(0, MAX_LISTED).map(describeOne);
  if (unique.length > MAX_LISTED) listed.push(`and ${unique.length - MAX_LISTED} more`);
  const noun = unique.length === 1 ? "file change" : "file changes";
  return `Applied ${unique.length} ${noun}: ${listed.join(", ")}.`;
}

/** One line per change, for the trace file. */
export function listFileChanges(changes: readonly FileChange[]): string {
  return uniqueChanges(changes)
    .map((change) => `${change.kind}: ${change.from === undefined ? change.path : `${change.from} -> ${change.path}`}`)
    .join("\n");
}

/** Two blocks may touch the same file the same way; it is one change to the reader. */
export function uniqueChanges(changes: readonly FileChange[]): FileChange[] {
  const seen = new Set<string>();
  return changes.filter((change) => {
    const key = `${change.kind}\0${change.from ?? ""}\0${change.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeOne(change: FileChange): string {
  const name = change.from === undefined ? code(change.path) : `${code(change.from)} → ${code(change.path)}`;
  return `${name} (${change.kind})`;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}
