import { describe, expect, it } from "vitest";
import { findExecutable } from "./find-executable.js";

describe("findExecutable", () => {
  it("finds a program on the search path, in its order, skipping relative entries", async () => {
    expect(await findExecutable("sh", "relative/bin:/nonexistent:/usr/bin:/bin")).toMatch(/^\/(usr\/)?bin\/sh$/);
  });

  it("takes a path with a slash as it is", async () => {
    expect(await findExecutable("/opt/bwrap/bin/bwrap", "/usr/bin")).toBe("/opt/bwrap/bin/bwrap");
  });

  it("rejects with ENOENT, as spawn would, when the program is nowhere on the path", async () => {
    await expect(findExecutable("no-such-program-for-sure", "/usr/bin:/bin")).rejects.toMatchObject({ code: "ENOENT" });
    await expect(findExecutable("sh", undefined)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
