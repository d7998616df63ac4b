import type { Logger } from "@agent-runner/runtime";

/** The timed steps of an attempt; each is one `agent_runner_step_duration_seconds` series. */
export type Step = "clone" | "change" | "push" | "pr" | "report";

export type PullAction = "created" | "updated" | "unchanged" | "merged" | "closed";

export type ChangeOutcome = "changed" | "unchanged" | "failed";

/** What the change step reports about itself: the commit it made, if any. */
export interface ChangeDetail {
  readonly sha: string | undefined;
}

export type StepEvent =
  | {
      readonly kind: "step";
      readonly step: Step;
      readonly seconds: number;
      readonly ok: boolean;
      /** Set for the change step when it finished. */
      readonly change?: ChangeDetail;
    }
  /** The done comment is on the dispatch issue (posted now or found from an earlier attempt). */
  | { readonly kind: "commented" }
  | { readonly kind: "pull"; readonly action: PullAction };

export type StepListener = (event: StepEvent) => void;

/**
 * Where an attempt announces its progress. Metrics and logs subscribe to it;
 * the crash tests and benchmarks read the log lines it leads to.
 */
export class StepObserver {
  constructor(private readonly listeners: readonly StepListener[]) {}

  /** Runs one step and announces its end, whether it finished or threw. */
  async time<T>(step: Step, run: () => Promise<T>, describe?: (result: T) => ChangeDetail): Promise<T> {
    const started = performance.now();
    try {
      const result = await run();
      const change = describe?.(result);
      this.emit({ kind: "step", step, seconds: secondsSince(started), ok: true, ...(change === undefined ? {} : { change }) });
      return result;
    } catch (error) {
      this.emit({ kind: "step", step, seconds: secondsSince(started), ok: false });
      throw error;
    }
  }

  commented(): void {
    this.emit({ kind: "commented" });
  }

  pullRequest(action: PullAction): void {
    this.emit({ kind: "pull", action });
  }

  private emit(event: StepEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** The metric series an attempt feeds. */
export interface TaskMetricsSink {
  observeStep(step: Step, seconds: number): void;
  pullRequest(action: PullAction): void;
  changeStep(handler: string, outcome: ChangeOutcome, seconds: number): void;
}

/** Step durations, PR actions and, in this one place, the change step's outcome by handler. */
export function metricsListener(metrics: TaskMetricsSink, handler: string): StepListener {
  return (event) => {
    if (event.kind === "pull") metrics.pullRequest(event.action);
    if (event.kind !== "step") return;
    metrics.observeStep(event.step, event.seconds);
    if (event.step === "change") metrics.changeStep(handler, changeOutcome(event), event.seconds);
  };
}

function changeOutcome(event: { readonly ok: boolean; readonly change?: ChangeDetail }): ChangeOutcome {
  if (!event.ok) return "failed";
  return event.change?.sha === undefined ? "unchanged" : "changed";
}

/**
 * One "step finished" line per finished step. The crash tests kill workers at
 * these lines (the change step's `committed`, then push, pr and comment), and
 * the benchmarks read their `seconds`: the message and fields are an interface.
 */
export function logListener(log: Logger): StepListener {
  return (event) => {
    if (event.kind === "commented") log.info({ step: "comment" }, "step finished");
    if (event.kind !== "step" || !event.ok) return;
    const change = event.change === undefined ? {} : { sha: event.change.sha, committed: event.change.sha !== undefined };
    log.info({ step: event.step, seconds: event.seconds, ...change }, "step finished");
  };
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}
