import NodeGit from "nodegit";
import { describe, expect, it, vi } from "vitest";
import { classifyError, GitRemoteError } from "@agent-runner/core";
import { httpOrigin, runRemoteOperation } from "./nodegit-remote-operation.js";

const TOKEN = "ghp_unitTOKEN000000000000000";
const CLONE_URL = "https://github.example/acme/app.git";

type AskCredentials = (url: string, username: string, allowed: number) => unknown;

/** Runs an operation that asks for credentials for `url` the way libgit2 would, then fails as libgit2 does on a refusal. */
async function askFor(url: string): Promise<{ answer: unknown; error: unknown }> {
  let answer: unknown;
  const error = await runRemoteOperation({ token: TOKEN, cloneUrl: CLONE_URL, operation: "push" }, async (callbacks) => {
    answer = (callbacks as unknown as { credentials: AskCredentials }).credentials(url, "", 1);
    if (answer === null) throw Object.assign(new Error("remote authentication required but no callback set"), { errno: -16 });
    return "pushed";
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { answer, error };
}

describe("the credentials callback", () => {
  it("hands the token to the clone URL's own origin, whatever the path", async () => {
    const give = vi.spyOn(NodeGit.Credential, "userpassPlaintextNew");

    const { answer, error } = await askFor("https://GITHUB.example:443/acme/other.git");

    expect(error).toBeUndefined();
    expect(answer).not.toBeNull();
    expect(give).toHaveBeenCalledWith("x-access-token", TOKEN);
  });

  it.each([
    ["another host", "https://evil.example/acme/app.git", "https://evil.example:443"],
    ["another port", "https://github.example:8443/acme/app.git", "https://github.example:8443"],
    ["another scheme", "http://github.example/acme/app.git", "http://github.example:80"],
    ["a host that merely starts like it", "https://github.example.evil.example/acme/app.git", "https://github.example.evil.example:443"],
  ])("refuses %s with a permanent error naming the refused origin, never the token", async (_name, url, origin) => {
    const give = vi.spyOn(NodeGit.Credential, "userpassPlaintextNew");

    const { answer, error } = await askFor(url);

    expect(answer).toBeNull();
    expect(give).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(GitRemoteError);
    expect(classifyError(error)).toMatchObject({ kind: "permanent" });
    expect((error as Error).message).toContain(`credentials were requested for ${origin}`);
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it("refuses a URL that is not http or https without echoing it", async () => {
    const { answer, error } = await askFor("ssh://git@github.example/acme/app.git");

    expect(answer).toBeNull();
    expect((error as Error).message).toContain("credentials were requested for a ssh: URL");
    expect((error as Error).message).not.toContain("git@");
  });
});

describe("httpOrigin", () => {
  it.each([
    ["https://github.com/acme/app.git", "https://github.com:443"],
    ["https://x-access-token:secret@github.com:443/a.git", "https://github.com:443"],
    ["http://127.0.0.1:8080/git/a.git", "http://127.0.0.1:8080"],
    ["HTTP://LOCALHOST/a.git", "http://localhost:80"],
  ])("reads %s as %s", (url, origin) => {
    expect(httpOrigin(url)).toBe(origin);
  });

  it.each(["/var/cache/mirror.git", "file:///srv/a.git", "ssh://git@github.com/a.git", "not a url"])("has none for %s", (url) => {
    expect(httpOrigin(url)).toBeUndefined();
  });
});
