import { describe, expect, it } from "vitest";
import { toEpochSeconds, toGitHubTime } from "./github-time.js";

describe("GitHub timestamps", () => {
  it("are ISO 8601 UTC without milliseconds", () => {
    expect(toGitHubTime(Date.UTC(2026, 10, 24, 22, 30, 0, 999))).toBe("2026-11-24T22:30:00Z");
  });

  it("rate-limit resets are whole epoch seconds", () => {
    expect(toEpochSeconds(1_700_000_000_999)).toBe(1_700_000_000);
  });
});
