import { scrubText } from "@agent-runner/core";

export interface CappedOutputOptions {
  /** How much of the start and of the end to keep, in bytes. */
  readonly capBytes: number;
  /** Values to redact; the buffers keep enough slack to see a secret that straddles a cut. */
  readonly secrets: readonly string[];
}

/**
 * A child's output, bounded: the first and last `capBytes` are kept and the
 * middle is counted, so a chatty agent cannot exhaust memory or bloat the trace
 * file. Secrets are redacted when rendered, and a cut never splits one.
 */
export class CappedOutput {
  private readonly keep: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  private dropped = 0;
  private total = 0;

  constructor(private readonly options: CappedOutputOptions) {
    const slack = Math.max(0, ...options.secrets.map((s) => Buffer.byteLength(s)));
    this.keep = options.capBytes + slack;
  }

  get totalBytes(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.keep) {
      const taken = rest.subarray(0, this.keep - this.headBytes);
      this.head.push(taken);
      this.headBytes += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    for (let first = this.tail[0]; first !== undefined && this.tailBytes - first.length >= this.keep; first = this.tail[0]) {
      this.tail.shift();
      this.tailBytes -= first.length;
      this.dropped += first.length;
    }
  }

  /** The kept text, secrets redacted, with a note where the middle was left out. */
  render(): string {
    const cap = this.options.capBytes;
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
    if (this.dropped === 0) {
      const all = Buffer.concat([head, tail]);
      if (all.length <= 2 * cap) return this.text(all);
      return this.join(all.subarray(0, this.cut(all, cap)), all.subarray(this.cut(all, all.length - cap)));
    }
    return this.join(head.subarray(0, this.cut(head, cap)), tail.subarray(this.cut(tail, tail.length - cap)));
  }

  private join(start: Buffer, end: Buffer): string {
    const omitted = this.total - start.length - end.length;
    return `${this.text(start)}\n[... ${omitted} bytes of output omitted ...]\n${this.text(end)}`;
  }

  private text(bytes: Buffer): string {
    return scrubText(bytes.toString("utf8"), this.options.secrets);
  }

  /**
   * Moves a cut back to the start of any secret it would split: the head then
   * ends before the secret and the tail starts with all of it, to be redacted.
   */
  private cut(bytes: Buffer, at: number): number {
    let cut = Math.max(0, at);
    for (const [start, end] of this.secretSpans(bytes)) if (start < cut && cut < end) cut = start;
    return cut;
  }

  private *secretSpans(bytes: Buffer): Generator<[number, number]> {
    for (const secret of this.options.secrets) {
      if (secret.length < 4) continue;
      const needle = Buffer.from(secret, "utf8");
      for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) yield [at, at + needle.length];
    }
  }
}
