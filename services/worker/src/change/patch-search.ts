/**
 * How much work locating hunks may take, in units of one line looked at: one
 * comparison of a hunk line with a file line (a line longer than 64 characters
 * counts once more per 64), or one line copied when a file is split or rebuilt.
 * The hunk search is a nearest-first scan that compares a hunk's old side at
 * each candidate position, so a hunk whose context nearly matches everywhere
 * costs (file lines x hunk lines): for a 2,000-line hunk against a 50,000-line
 * file, 10^8 comparisons per pass and eight passes per patch, which kept the
 * event loop blocked for 14 s (one-character lines) to 56 s (60 characters).
 */
export interface SearchLimits {
  /** Units one pass over one hunk (one direction, one anchor mode) may spend. */
  readonly perHunk: number;
  /** Units all hunks of all file patches of one task may spend together. */
  readonly perPatch: number;
}

/**
 * Legitimate patches stay more than ten times below these (measured): a stale
 * hunk searched across a 200,000-line source file spends 200,000 units per
 * pass, as it fails on its first line almost everywhere; a hunk that drifted
 * 150,000 lines in it, 350,000 with the rebuild; a stale hunk whose first lines
 * recur all through a repetitive 240,000-line JSON file, 400,000. A unit costs
 * 5-60 ns, so a hostile hunk is given up within about 0.3 s of CPU per pass and
 * a whole task within about 1.5 s, yielding to the event loop all along.
 */
export const DEFAULT_SEARCH_LIMITS: SearchLimits = { perHunk: 5_000_000, perPatch: 25_000_000 };

/**
 * Units between yields to the event loop. Small enough that an abort (the task
 * timeout, a shutdown) is noticed within a few milliseconds, large enough that
 * the yields cost nothing measurable.
 */
export const CHECK_EVERY = 50_000;

export interface PatchSearchOptions {
  /** Checked at every yield: an abort rejects the search with the signal's reason. */
  readonly signal?: AbortSignal;
  readonly limits?: SearchLimits;
  /** Called at every yield with the units spent so far; lets tests see that a search is under way. */
  readonly onCheckpoint?: (spent: number) => void;
}

/** The search ran out of budget; plan-patches turns this into the user-facing ChangeFailedError. */
export class SearchLimitError extends Error {
  constructor(
    /** Which limit ran out: one hunk's, or the whole task's. */
    readonly scope: "hunk" | "patch",
    /** 0-based index of the hunk being located when it ran out, if any. */
    readonly hunk: number | undefined,
    readonly limit: number,
  ) {
    super(`patch search limit reached (${scope}: ${limit} lines examined)`);
    this.name = "SearchLimitError";
  }
}

/**
 * The work account of one task's hunk search. Charging is synchronous and
 * cheap, so the inner loops stay tight; callers `await checkpoint()` whenever
 * `due` says so, which yields to the event loop (letting timers, and so the
 * task timeout, run) and then honours the abort signal.
 */
export class PatchSearch {
  private total = 0;
  private hunkSpent = 0;
  private hunkIndex: number | undefined;
  private nextCheck = CHECK_EVERY;
  private readonly limits: SearchLimits;

  constructor(private readonly options: PatchSearchOptions = {}) {
    this.limits = options.limits ?? DEFAULT_SEARCH_LIMITS;
  }

  /** Units spent so far, across every hunk and file. */
  get spent(): number {
    return this.total;
  }

  get due(): boolean {
    return this.total >= this.nextCheck;
  }

  /** Starts the per-hunk account for the hunk at `index` (0-based, within its file patch). */
  startHunk(index: number): void {
    this.hunkIndex = index;
    this.hunkSpent = 0;
  }

  /** Ends the per-hunk account, so work outside a hunk search (splitting, rebuilding) is not blamed on a hunk. */
  endHunk(): void {
    this.hunkIndex = undefined;
    this.hunkSpent = 0;
  }

  /** Records work; throws SearchLimitError once a limit is passed. */
  charge(units: number): void {
    this.total += units;
    if (this.hunkIndex !== undefined) {
      this.hunkSpent += units;
      if (this.hunkSpent > this.limits.perHunk) throw new SearchLimitError("hunk", this.hunkIndex, this.limits.perHunk);
    }
    if (this.total > this.limits.perPatch) throw new SearchLimitError("patch", this.hunkIndex, this.limits.perPatch);
  }

  /** Yields to the event loop, then throws the abort reason if the task was aborted meanwhile. */
  async checkpoint(): Promise<void> {
    this.nextCheck = this.total + CHECK_EVERY;
    this.options.signal?.throwIfAborted();
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.options.signal?.throwIfAborted();
    this.options.onCheckpoint?.(this.total);
  }
}
