/** A target as the issue states it: the measured value must be at most / at least `value`. */
export interface Target {
  readonly op: "<=" | ">=" | "==";
  readonly value: number;
}

/** One reported number: what we measured, what the reference runner does, what we aim for. */
export interface Figure {
  readonly id: string;
  readonly label: string;
  /** null when the scenario could not measure it (e.g. a configuration skipped in quick mode). */
  readonly value: number | null;
  readonly unit: string;
  readonly target?: Target;
  /** The reference runner's figure, quoted from the issue (it is not re-measured). */
  readonly baseline?: string;
  readonly note?: string;
}

export type Verdict = "met" | "missed" | "n/a";

export function judge(figure: Pick<Figure, "value" | "target">): Verdict {
  const { value, target } = figure;
  if (target === undefined || value === null || !Number.isFinite(value)) return "n/a";
  if (target.op === "<=") return value <= target.value ? "met" : "missed";
  if (target.op === ">=") return value >= target.value ? "met" : "missed";
  return value === target.value ? "met" : "missed";
}

/** How far a missed figure is from its target, as a signed percentage of the target (for the notes). */
export function shortfallPercent(figure: Pick<Figure, "value" | "target">): number | undefined {
  const { value, target } = figure;
  if (target === undefined || value === null || target.value === 0 || judge(figure) !== "missed") return undefined;
  return ((value - target.value) / target.value) * 100;
}

export interface ScenarioResult {
  readonly name: string;
  readonly figures: readonly Figure[];
  /** Everything else the scenario measured, kept in the JSON for whoever digs deeper. */
  readonly details: Record<string, unknown>;
  readonly seconds: number;
  /** Set when the scenario failed to run (its figures are then missing). */
  readonly error?: string;
}
