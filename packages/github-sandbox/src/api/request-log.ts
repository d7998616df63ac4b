import type { RequestLogEntry, Violation } from "../types.js";

/** Every request the sandbox answered, for tests and benchmarks that count API calls. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private readonly found: Violation[] = [];

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  all(): RequestLogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }

  addViolation(violation: Violation): void {
    this.found.push(violation);
  }

  violations(): Violation[] {
    return [...this.found];
  }
}
