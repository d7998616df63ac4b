import type { Redis } from "ioredis";
import type { Figure } from "./figure.js";
import type { Sizes } from "./sizes.js";

export interface BenchContext {
  readonly quick: boolean;
  readonly sizes: Sizes;
  /** The bench's own connection to the shared Redis (keys are deleted by prefix). */
  readonly redis: Redis;
  /** Progress for the person watching (stderr). */
  readonly progress: (message: string) => void;
}

export interface ScenarioOutcome {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

export type Scenario = (ctx: BenchContext) => Promise<ScenarioOutcome>;

/** GitHub answers API calls in about this long; every scenario adds it unless it says otherwise. */
export const GITHUB_LATENCY_MS = 100;
