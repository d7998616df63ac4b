import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "./start-sandbox.js";
import type { Sandbox } from "./types.js";

describe("a sandbox with a public URL", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ publicUrl: "http://sandbox.internal:8080/" });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it("hands out clone and API URLs on that origin, so containers can reach it by service name", async () => {
    expect(sandbox.apiUrl).toBe("http://sandbox.internal:8080/api/v3");
    const repo = await sandbox.admin.createRepo({ owner: "acme", name: "pub" });
    expect(repo.clone_url).toBe("http://sandbox.internal:8080/git/acme/pub.git");
    expect(repo.html_url).toBe("http://sandbox.internal:8080/acme/pub");
  });
});
