import { Writable } from "node:stream";
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

  logger(service: string, secrets: string[]): Logger {
    return createLogger({ level: "debug", service, secrets, destination: this.stream });
  }

  text(): string {
    return this.lines.join("");
  }
}
