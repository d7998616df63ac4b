import type { JobMetricsSink, JobOutcome, TaskOutcomeLabel } from "../worker-deps.js";

/** Remembers every metric an attempt records, as short strings tests can compare. */
export class RecordingMetrics implements JobMetricsSink {
  readonly records: string[] = [];
  /** The values `labelledToPull` observed, in seconds. */
  readonly labelledToPullSeconds: number[] = [];

  jobStarted(): void {
    this.records.push("job started");
  }

  jobFinished(outcome: JobOutcome): void {
    this.records.push(`job ${outcome}`);
  }

  taskOutcome(outcome: TaskOutcomeLabel): void {
    this.records.push(`task ${outcome}`);
  }

  timeToPullRequest(): void {
    this.records.push("time to pull request");
  }

  labelledToPull(seconds: number): void {
    this.records.push("labelled to pull");
    this.labelledToPullSeconds.push(seconds);
  }

  rerunStarted(): void {
    this.records.push("rerun started");
  }

  observeStep(step: string): void {
    this.records.push(`step ${step}`);
  }

  pullRequest(action: string): void {
    this.records.push(`pull ${action}`);
  }

  changeStep(handler: string, outcome: string): void {
    this.records.push(`change ${handler} ${outcome}`);
  }
}
