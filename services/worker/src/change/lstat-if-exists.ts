import { lstat } from "node:fs/promises";
import type { Stats } from "node:fs";

/** What is at `file` itself (a link is not followed), or undefined when nothing is. */
export async function lstatIfExists(file: string): Promise<Stats | undefined> {
  try {
    return await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
