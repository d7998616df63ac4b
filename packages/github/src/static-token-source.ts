import { createHash } from "node:crypto";
import type { GitHubTokenSource } from "@agent-runner/core";

/** A personal access token: fixed for the life of the process. */
export class StaticTokenSource implements GitHubTokenSource {
  /** A hash, never the token: the key ends up in Redis key names. */
  readonly identityKey: string;

  constructor(private readonly value: string) {
    this.identityKey = `token:${createHash("sha256").update(value).digest("hex").slice(0, 16)}`;
  }

  token(): Promise<string> {
    return Promise.resolve(this.value);
  }
}
