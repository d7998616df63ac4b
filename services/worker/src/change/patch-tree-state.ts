import { readFile, lstat } from "node:fs/promises";
import { ChangeFailedError } from "@agent-runner/core";
import { resolveTreePath } from "./tree-path.js";

/** A file as a patch sees it: its text (null when absent) and its executable bit. */
export interface TreeFile {
  readonly text: string | null;
  readonly executable: boolean;
}

/** What to do to one path on disk once every file patch has applied in memory. */
export interface PlannedWrite {
  readonly path: string;
  /** The new bytes, or null to delete the file. */
  readonly content: Buffer | null;
  /** Set when the mode must be (re)set: a new file, or a changed executable bit. */
  readonly executable: boolean | undefined;
}

const ABSENT: TreeFile = { text: null, executable: false };

/**
 * The working tree as seen through the patches applied so far, held in memory so
 * nothing reaches the disk until every file patch has applied. Files are read
 * lazily, once, through the symlink and containment checks.
 */
export class PatchTreeState {
  private readonly original = new Map<string, TreeFile>();
  private readonly current = new Map<string, TreeFile>();
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  constructor(private readonly root: string) {}

  async get(relative: string): Promise<TreeFile> {
    const known = this.current.get(relative);
    if (known !== undefined) return known;
    const file = await this.read(relative);
    this.original.set(relative, file);
    this.current.set(relative, file);
    return file;
  }

  set(relative: string, file: TreeFile): void {
    if (!this.original.has(relative)) throw new Error(`internal: ${relative} was not read before being set`);
    this.current.set(relative, file);
  }

  /** Only paths whose final state differs from the disk, deletions first, in a stable order. */
  writes(): PlannedWrite[] {
    this.assertNoFileUnderFile();
    const out: PlannedWrite[] = [];
    for (const [relative, now] of this.current) {
      const before = this.original.get(relative) ?? ABSENT;
      const modeChanged = now.text !== null && (before.text === null || before.executable !== now.executable);
      if (now.text === before.text && !modeChanged) continue;
      out.push({
        path: relative,
        content: now.text === null ? null : Buffer.from(now.text, "utf8"),
        executable: modeChanged ? now.executable : undefined,
      });
    }
    return out.sort((a, b) => Number(a.content !== null) - Number(b.content !== null) || a.path.localeCompare(b.path));
  }

  private async read(relative: string): Promise<TreeFile> {
    const absolute = await resolveTreePath(this.root, relative);
    const stat = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (stat === undefined) return ABSENT;
    if (!stat.isFile()) refuse(relative, "it is not a regular file");
    const bytes = await readFile(absolute);
    try {
      return { text: this.decoder.decode(bytes), executable: (stat.mode & 0o111) !== 0 };
    } catch {
      return refuse(relative, "it is not UTF-8 text (the patch handler edits text files only)");
    }
  }

  /** Two patches cannot leave both `x` and `x/y` behind: the disk could not hold both. */
  private assertNoFileUnderFile(): void {
    const present = new Set([...this.current].filter(([, file]) => file.text !== null).map(([p]) => p));
    for (const file of present) {
      const parts = file.split("/");
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join("/");
        if (present.has(parent)) refuse(file, `the patch also leaves a file at \`${parent}\``);
      }
    }
  }
}

function refuse(relative: string, why: string): never {
  throw new ChangeFailedError(
    `cannot patch ${relative}: ${why}`,
    `the patch cannot change \`${relative.replace(/`/g, "'")}\`: ${why}`,
  );
}
