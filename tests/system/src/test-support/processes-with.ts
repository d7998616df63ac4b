import { readdir, readFile } from "node:fs/promises";

/**
 * Every process on the machine whose command line carries `marker`: how the
 * security suites find what an agent left running (each agent names its
 * processes after its test's marker).
 */
export async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(marker)) found.push(Number(pid));
  }
  return found;
}
