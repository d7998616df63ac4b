import { describe, expect, it } from "vitest";
import { lazyRunnerIdentity } from "./runner-identity-source.js";

/** A GitHub whose `GET /user` answers only when the test says so, counting the look-ups. */
function slowGitHub() {
  const pending: { resolve(login: string): void; reject(error: Error): void }[] = [];
  const github = {
    lookUps: 0,
    getAuthenticatedLogin(): Promise<string> {
      github.lookUps++;
      return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
    },
  };
  const answer = (index: number) => {
    const lookUp = pending[index];
    if (lookUp === undefined) throw new Error(`no look-up #${index}`);
    return lookUp;
  };
  return { github, answer };
}

describe("lazyRunnerIdentity", () => {
  it("asks GitHub nothing until someone needs the identity", () => {
    const { github } = slowGitHub();
    lazyRunnerIdentity(github);
    expect(github.lookUps).toBe(0);
  });

  it("asks GitHub once for callers that come while the look-up is in flight, and once only after it answered", async () => {
    const { github, answer } = slowGitHub();
    const runner = lazyRunnerIdentity(github);
    const waiting = [runner(), runner(), runner()];
    expect(github.lookUps).toBe(1);
    answer(0).resolve("agent-runner-bot");
    const identities = await Promise.all(waiting);
    expect(identities.map((i) => i.login)).toEqual(["agent-runner-bot", "agent-runner-bot", "agent-runner-bot"]);
    expect((await runner()).login).toBe("agent-runner-bot");
    expect(github.lookUps).toBe(1);
  });

  it("gives every waiting caller a failed look-up's error, and lets the next caller ask again", async () => {
    const { github, answer } = slowGitHub();
    const runner = lazyRunnerIdentity(github);
    const waiting = [runner(), runner()];
    answer(0).reject(new Error("502 from GET /user"));
    for (const caller of waiting) await expect(caller).rejects.toThrow("502 from GET /user");
    const retried = runner();
    expect(github.lookUps).toBe(2);
    answer(1).resolve("agent-runner-bot");
    expect((await retried).login).toBe("agent-runner-bot");
  });

  it("tells the runner's login in any case from anyone else's and from a deleted account", async () => {
    const { github, answer } = slowGitHub();
    const runner = lazyRunnerIdentity(github);
    const learning = runner();
    answer(0).resolve("Agent-Runner-Bot");
    const identity = await learning;
    expect(identity.wrote("agent-runner-bot")).toBe(true);
    expect(identity.wrote("AGENT-RUNNER-BOT")).toBe(true);
    expect(identity.wrote("agent-runner-bot2")).toBe(false);
    expect(identity.wrote("mallory")).toBe(false);
    expect(identity.wrote(undefined)).toBe(false);
  });
});
