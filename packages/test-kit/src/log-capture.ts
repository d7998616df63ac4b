import { Writable } from "node:stream";
import { SecretSet } from "@agent-runner/core";
import { createLogger, type Logger } from "@agent-runner/runtime";

/** Captures every log line of in-process services so tests can search them (for the token, among others). */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      this.lines.push(chunk.toString("utf8"));
      done();
    },
  });

  /**
   * One set for every logger of the capture: the services share one stream, so
   * a secret any of them learns at run time (an installation token) is masked in all.
   */
  readonly secrets = new SecretSet();

  logger(service: string, secrets: string[]): Logger {
    for (const secret of secrets) this.secrets.add(secret);
    return createLogger({ level: "debug", service, secrets: this.secrets, destination: this.stream });
  }

  text(): string {
    return this.lines.join("");
  }
}
