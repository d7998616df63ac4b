/** GitHub renders timestamps as ISO 8601 in UTC without milliseconds: `2026-11-24T22:30:00Z`. */
export function toGitHubTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Epoch seconds, as used by `x-ratelimit-reset`. */
export function toEpochSeconds(epochMs: number): number {
  return Math.floor(epochMs / 1000);
}
