import type { DispatchIssue } from "@agent-runner/core";
import { describe, expect, it } from "vitest";
import { ListingWindow } from "./listing-window.js";

const issue = (number: number, updatedAt: string): DispatchIssue => ({
  number,
  title: "t",
  body: null,
  htmlUrl: `https://github.example/acme/dispatch/issues/${number}`,
  labels: ["copilot-agent"],
  authorLogin: "octo",
  authorAssociation: "OWNER",
  isPullRequest: false,
  updatedAt,
  comments: 0,
});

function windowAt(start = Date.parse("2026-01-01T00:00:00Z")) {
  const clock = { now: start };
  const window = new ListingWindow({ sweepIntervalMs: 3_600_000, marginMs: 60_000, advanceAt: 3, now: () => clock.now });
  return { window, clock };
}

describe("the listing window", () => {
  it("starts with a full sweep that asks for every open labelled issue", () => {
    expect(windowAt().window.next()).toEqual({ mode: "sweep", since: undefined, etag: undefined });
  });

  it("after the sweep asks only for issues updated since the newest one seen, less the margin, in whole seconds", () => {
    const { window } = windowAt();
    const sweep = window.next();
    window.handled(sweep, { etag: "W/\"all\"", issues: [issue(1, "2026-01-01T00:00:00Z"), issue(2, "2026-01-01T00:10:30Z")] });
    expect(window.next()).toEqual({ mode: "incremental", since: "2026-01-01T00:09:30Z", etag: undefined });
  });

  it("keeps the same query and its ETag while the window holds less than half a page, so idle polls stay free", () => {
    const { window } = windowAt();
    window.handled(window.next(), { etag: "W/\"all\"", issues: [issue(1, "2026-01-01T00:10:00Z")] });
    const first = window.next();
    window.handled(first, { etag: "W/\"one\"", issues: [issue(1, "2026-01-01T00:10:00Z")] });
    const second = window.next();
    expect(second).toEqual({ mode: "incremental", since: first.since, etag: "W/\"one\"" });
    window.handled(second, { etag: "W/\"two\"", issues: [issue(1, "2026-01-01T00:10:00Z"), issue(5, "2026-01-01T00:20:00Z")] });
    expect(window.next()).toEqual({ mode: "incremental", since: first.since, etag: "W/\"two\"" });
  });

  it("moves the window forward, dropping the ETag, once it fills up", () => {
    const { window } = windowAt();
    window.handled(window.next(), { etag: undefined, issues: [issue(1, "2026-01-01T00:10:00Z")] });
    const busy = window.next();
    window.handled(busy, {
      etag: "W/\"busy\"",
      issues: [issue(3, "2026-01-01T00:30:00Z"), issue(2, "2026-01-01T00:20:00Z"), issue(1, "2026-01-01T00:10:00Z")],
    });
    expect(window.next()).toEqual({ mode: "incremental", since: "2026-01-01T00:29:00Z", etag: undefined });
  });

  it("keeps the ETag of a full window that cannot move, because everything in it changed within the margin", () => {
    const { window } = windowAt();
    const burst = [issue(1, "2026-01-01T00:10:00Z"), issue(2, "2026-01-01T00:10:01Z"), issue(3, "2026-01-01T00:10:02Z")];
    window.handled(window.next(), { etag: undefined, issues: burst });
    const first = window.next();
    window.handled(first, { etag: "W/\"burst\"", issues: burst });
    expect(window.next()).toEqual({ mode: "incremental", since: first.since, etag: "W/\"burst\"" });
  });

  it("never moves the window backward when a sweep sees nothing newer", () => {
    const { window, clock } = windowAt();
    window.handled(window.next(), { etag: undefined, issues: [issue(1, "2026-01-01T00:10:00Z")] });
    clock.now += 3_600_000;
    const sweep = window.next();
    expect(sweep.mode).toBe("sweep");
    window.handled(sweep, { etag: "W/\"all\"", issues: [issue(1, "2026-01-01T00:05:00Z")] });
    expect(window.next().since).toBe("2026-01-01T00:09:00Z");
  });

  it("sweeps again once the interval has passed, conditionally, and counts an unchanged sweep as done", () => {
    const { window, clock } = windowAt();
    window.handled(window.next(), { etag: "W/\"all\"", issues: [issue(1, "2026-01-01T00:10:00Z")] });
    clock.now += 3_599_999;
    expect(window.next().mode).toBe("incremental");
    clock.now += 1;
    const sweep = window.next();
    expect(sweep).toEqual({ mode: "sweep", since: undefined, etag: "W/\"all\"" });
    window.handled(sweep, "not_modified");
    expect(window.next().mode).toBe("incremental");
  });

  it("repeats a plan whose poll failed, since nothing was recorded", () => {
    const { window } = windowAt();
    window.handled(window.next(), { etag: undefined, issues: [issue(1, "2026-01-01T00:10:00Z")] });
    expect(window.next()).toEqual(window.next());
  });

  it("lists everything incrementally while the repository has no open labelled issue", () => {
    const { window } = windowAt();
    window.handled(window.next(), { etag: "W/\"none\"", issues: [] });
    expect(window.next()).toEqual({ mode: "incremental", since: undefined, etag: "W/\"none\"" });
  });
});
