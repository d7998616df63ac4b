import { describe, expect, it } from "vitest";
import { CleanupStack, runAllCleanups } from "./cleanup-stack.js";

describe("the cleanup stack", () => {
  it("undoes in reverse order and runs every step even after a failure", async () => {
    const order: string[] = [];
    const stack = new CleanupStack();
    stack.defer("first", () => void order.push("first"));
    stack.defer("broken", () => {
      throw new Error("boom");
    });
    stack.defer("last", async () => void order.push("last"));
    await expect(stack.run()).rejects.toThrow("cleanup failed: broken: boom");
    expect(order).toEqual(["last", "first"]);
  });

  it("runs once, however often it is asked", async () => {
    let runs = 0;
    const stack = new CleanupStack();
    stack.defer("count", () => void runs++);
    await stack.run();
    await stack.run();
    await runAllCleanups();
    expect(runs).toBe(1);
  });

  it("lets a signal handler run the stacks that were not run yet", async () => {
    let ran = false;
    const stack = new CleanupStack();
    stack.defer("flag", () => void (ran = true));
    await runAllCleanups();
    expect(ran).toBe(true);
    expect(() => stack.defer("late", () => undefined)).toThrow(/already ran/);
  });
});
