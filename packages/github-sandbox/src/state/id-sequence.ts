/** Per-sandbox id counters; starting points make ids of different kinds look distinct, as on GitHub. */
export class IdSequence {
  private readonly next = new Map<string, number>();

  constructor(private readonly starts: Record<string, number> = DEFAULT_STARTS) {}

  take(kind: string): number {
    const value = this.next.get(kind) ?? this.starts[kind] ?? 1;
    this.next.set(kind, value + 1);
    return value;
  }
}

const DEFAULT_STARTS: Record<string, number> = {
  user: 100,
  repo: 700000001,
  issue: 3000000001,
  pull: 2100000001,
  comment: 3500000001,
  review_comment: 1800000001,
  review: 2500000001,
  label: 8000000001,
  app: 1000001,
  installation: 50000001,
};

/** Legacy-format node id (`base64("<kind>:<Type><id>")`), which GitHub still accepts and which clients treat as opaque. */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString("base64");
}
