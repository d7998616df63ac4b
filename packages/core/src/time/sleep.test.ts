import { describe, expect, it } from "vitest";
import { sleep } from "./sleep.js";

describe("sleep", () => {
  it("resolves after the delay when nothing aborts it", async () => {
    await expect(sleep(5)).resolves.toBeUndefined();
  });

  it("rejects with the signal's reason as soon as the signal fires", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it("rejects at once when the signal has already fired", async () => {
    const reason = new Error("too late");
    await expect(sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it("stops listening to the signal once it has resolved", async () => {
    const controller = new AbortController();
    await sleep(1, controller.signal);
    expect(() => controller.abort(new Error("after the fact"))).not.toThrow();
  });
});
