import type { DispatchIssue } from "@agent-runner/core";

/** What the next poll asks GitHub for. */
export interface ListingPlan {
  readonly mode: "sweep" | "incremental";
  /** ISO time: only issues updated at or after it. Undefined lists every open labelled issue. */
  readonly since: string | undefined;
  /** The first-page ETag of the same query, when the poller holds one. */
  readonly etag: string | undefined;
}

export interface ListingWindowOptions {
  /** A full listing this often, whatever the incremental ones said: the backstop. */
  readonly sweepIntervalMs: number;
  /**
   * How far before the newest `updated_at` seen the window starts: GitHub shows seconds, so an
   * issue updated later in that same second ties with it, and its listing may lag its writes.
   */
  readonly marginMs?: number;
  /** The window moves forward once it holds this many issues (half a page keeps a poll to one call). */
  readonly advanceAt?: number;
  readonly now?: () => number;
}

const DEFAULT_WINDOW_MARGIN_MS = 60_000;
export const DEFAULT_ADVANCE_AT = 50;

/**
 * Which issues a poll asks for. After a full sweep, polls ask only for issues updated since
 * the newest `updated_at` seen (less a margin), so their cost no longer grows with the issues
 * left open. The window start moves only when the window fills half a page: an unchanged
 * query keeps its ETag, so an idle poll stays free and a change costs one call, not a call to
 * see it and another to re-list at a new `since`.
 *
 * The mark lives in memory only: the full sweep every start begins with rebuilds it, and a
 * mark restored from elsewhere could only be older than that sweep's.
 */
export class ListingWindow {
  private windowStart: number | undefined;
  private lastSweepAt: number | undefined;
  private sweepEtag: string | undefined;
  private windowEtag: string | undefined;
  private readonly marginMs: number;
  private readonly advanceAt: number;
  private readonly now: () => number;

  constructor(private readonly options: ListingWindowOptions) {
    this.marginMs = options.marginMs ?? DEFAULT_WINDOW_MARGIN_MS;
    this.advanceAt = options.advanceAt ?? DEFAULT_ADVANCE_AT;
    this.now = options.now ?? Date.now;
  }

  next(): ListingPlan {
    if (this.lastSweepAt === undefined || this.now() - this.lastSweepAt >= this.options.sweepIntervalMs) {
      return { mode: "sweep", since: undefined, etag: this.sweepEtag };
    }
    const since = this.sinceParam();
    // Without a `since` the query is the sweep's own, and so is its ETag.
    return { mode: "incremental", since, etag: since === undefined ? (this.windowEtag ?? this.sweepEtag) : this.windowEtag };
  }

  /** Records a listing once everything it returned was handled (a failed poll records nothing). */
  handled(plan: ListingPlan, listing: { etag: string | undefined; issues: readonly DispatchIssue[] } | "not_modified"): void {
    if (plan.mode === "sweep") this.handledSweep(listing);
    else this.handledWindow(listing);
  }

  private handledSweep(listing: { etag: string | undefined; issues: readonly DispatchIssue[] } | "not_modified"): void {
    this.lastSweepAt = this.now();
    if (listing === "not_modified") return;
    this.sweepEtag = listing.etag;
    const newest = newestUpdate(listing.issues);
    if (newest !== undefined) this.moveTo(newest);
  }

  private handledWindow(listing: { etag: string | undefined; issues: readonly DispatchIssue[] } | "not_modified"): void {
    if (listing === "not_modified") return;
    const newest = newestUpdate(listing.issues);
    const full = listing.issues.length >= this.advanceAt && newest !== undefined;
    if (!full || !this.moveTo(newest)) this.windowEtag = listing.etag;
  }

  /** Moves the window start forward (never back); false when it stays where it is. */
  private moveTo(newest: number): boolean {
    const start = newest - this.marginMs;
    if (this.windowStart !== undefined && start <= this.windowStart) return false;
    this.windowStart = start;
    // A new `since` is a new query: the old ETag does not stand for it.
    this.windowEtag = undefined;
    return true;
  }

  private sinceParam(): string | undefined {
    if (this.windowStart === undefined) return undefined;
    // Whole seconds, rounded down: GitHub's timestamps have no finer resolution.
    return new Date(Math.floor(this.windowStart / 1000) * 1000).toISOString().replace(".000Z", "Z");
  }
}

function newestUpdate(issues: readonly DispatchIssue[]): number | undefined {
  let newest: number | undefined;
  for (const issue of issues) {
    const at = Date.parse(issue.updatedAt);
    if (Number.isFinite(at) && (newest === undefined || at > newest)) newest = at;
  }
  return newest;
}
