import { describe, expect, it } from "vitest";
import { KeyedMutex } from "./keyed-mutex.js";

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("KeyedMutex", () => {
  it("runs work for the same key one at a time, in arrival order", async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const task = (name: string) => async () => {
      events.push(`${name} start`);
      await tick(10);
      events.push(`${name} end`);
    };

    await Promise.all([mutex.runExclusive("k", task("a")), mutex.runExclusive("k", task("b")), mutex.runExclusive("k", task("c"))]);

    expect(events).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
  });

  it("runs work for different keys concurrently", async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    await Promise.all(
      ["x", "y"].map((key) =>
        mutex.runExclusive(key, async () => {
          events.push(`${key} start`);
          await tick(10);
          events.push(`${key} end`);
        }),
      ),
    );
    expect(events.slice(0, 2).sort()).toEqual(["x start", "y start"]);
  });

  it("releases the key when the work throws", async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.runExclusive("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(mutex.runExclusive("k", async () => "next")).resolves.toBe("next");
  });

  it("stops waiting on abort without letting the next waiter overtake the running holder", async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const holder = mutex.runExclusive("k", async () => {
      await tick(50);
      events.push("holder end");
    });
    const controller = new AbortController();
    const aborted = mutex.runExclusive("k", async () => events.push("aborted ran"), controller.signal);
    const third = mutex.runExclusive("k", async () => events.push("third ran"));
    controller.abort();

    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    await Promise.all([holder, third]);
    expect(events).toEqual(["holder end", "third ran"]);
  });
});
