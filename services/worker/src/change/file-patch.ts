/** One line of a hunk: context (" "), removed ("-") or added ("+"). */
export interface HunkLine {
  readonly kind: " " | "-" | "+";
  readonly text: string;
}

export interface Hunk {
  /** The `@@ -a,b +c,d @@ ...` line, kept verbatim for messages. */
  readonly header: string;
  readonly oldStart: number;
  readonly oldCount: number;
  readonly newStart: number;
  readonly newCount: number;
  readonly lines: readonly HunkLine[];
  /** `\ No newline at end of file` follows the last line of the old side. */
  readonly oldNoNewlineAtEnd: boolean;
  readonly newNoNewlineAtEnd: boolean;
}

export type FilePatchKind = "modify" | "new" | "delete" | "rename" | "copy";

/** The changes a patch makes to one file; paths are repo-relative and already checked. */
export interface FilePatch {
  readonly kind: FilePatchKind;
  /** The file the hunks apply to (undefined for a new file). */
  readonly oldPath: string | undefined;
  /** The file the result is written to (undefined for a deletion). */
  readonly newPath: string | undefined;
  /** Git modes ("100644", "100755") from the extended header lines, when given. */
  readonly oldMode: string | undefined;
  readonly newMode: string | undefined;
  readonly hunks: readonly Hunk[];
  /** 1-based index of the diff block it came from, for messages. */
  readonly block: number;
}

/** The path a file patch is reported under: where it ends up, or where it was. */
export function displayPath(patch: FilePatch): string {
  return patch.newPath ?? patch.oldPath ?? "(unnamed)";
}
