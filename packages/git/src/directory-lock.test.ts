import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireDirectoryLock, tryAcquireDirectoryLock } from "./directory-lock.js";

let root: string;
let lockPath: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "dir-lock-"));
  lockPath = join(root, "x.lock");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function pidOfExitedProcess(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

async function fakeHolder(owner: object, ageMs = 0): Promise<void> {
  await mkdir(lockPath);
  await writeFile(join(lockPath, "owner.json"), JSON.stringify(owner));
  const then = new Date(Date.now() - ageMs);
  await utimes(lockPath, then, then);
}

describe("acquireDirectoryLock", () => {
  it("gives the lock to one holder at a time and removes the directory on release", async () => {
    const first = await acquireDirectoryLock(lockPath);
    expect(await tryAcquireDirectoryLock(lockPath)).toBeUndefined();

    await first.release();

    expect(await readdir(root)).toEqual([]);
    const second = await tryAcquireDirectoryLock(lockPath);
    expect(second).toBeDefined();
    await second!.release();
  });

  it("makes a waiter wait until the holder releases", async () => {
    const holder = await acquireDirectoryLock(lockPath);
    const order: string[] = [];
    const waiter = acquireDirectoryLock(lockPath).then((lock) => {
      order.push("waiter acquired");
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    order.push("holder releases");
    await holder.release();

    await (await waiter).release();
    expect(order).toEqual(["holder releases", "waiter acquired"]);
  });

  it("takes over a lock whose holder process on this host has died", async () => {
    await fakeHolder({ token: "dead", pid: await pidOfExitedProcess(), host: hostname() });

    const lock = await acquireDirectoryLock(lockPath, { signal: AbortSignal.timeout(5_000) });

    await lock.release();
  });

  it("takes over a lock nobody touched for longer than staleMs", async () => {
    await fakeHolder({ token: "elsewhere", pid: 1, host: "another-host" }, 10_000);

    const lock = await acquireDirectoryLock(lockPath, { staleMs: 5_000, signal: AbortSignal.timeout(5_000) });

    await lock.release();
  });

  it("keeps waiting for a live holder on another host that touches its lock", async () => {
    await fakeHolder({ token: "alive", pid: 1, host: "another-host" });

    await expect(acquireDirectoryLock(lockPath, { staleMs: 60_000, signal: AbortSignal.timeout(300) })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(await readdir(root)).toEqual(["x.lock"]);
  });

  it("does not delete a lock someone else took over after judging the holder dead", async () => {
    const lock = await acquireDirectoryLock(lockPath);
    await rm(lockPath, { recursive: true });
    await fakeHolder({ token: "successor", pid: process.pid, host: hostname() });

    await lock.release();

    expect(await readdir(root)).toEqual(["x.lock"]);
  });

  it("lets exactly one of many concurrent contenders hold the lock at any time", async () => {
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const lock = await acquireDirectoryLock(lockPath);
        inside += 1;
        maxInside = Math.max(maxInside, inside);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inside -= 1;
        await lock.release();
      }),
    );
    expect(maxInside).toBe(1);
  });
});
