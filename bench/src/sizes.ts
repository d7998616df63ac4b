/** How big each scenario runs; --quick keeps the whole suite within a few minutes on two cores. */
export interface Sizes {
  readonly apiEconomy: { tasks: number; targets: number; concurrency: number; pollIntervalSeconds: number };
  readonly throughput: {
    tasks: number;
    targets: number;
    pollIntervalSeconds: number;
    configs: ReadonlyArray<{ workers: number; concurrency: number }>;
  };
  readonly throttled: {
    tasks: number;
    targets: number;
    workers: number;
    concurrency: number;
    /**
     * GITHUB_WRITES_PER_MINUTE. Not 80: evenly spaced writes at exactly the limit put an 81st
     * write inside some 60-s window as soon as network jitter delays one of them (6 refusals
     * in 306 writes when measured); 95 % of it leaves 2.4 s of slack per window.
     */
    writesPerMinute: number;
  };
  readonly enqueue: { issues: number; pollIntervalSeconds: number };
  readonly cloneCost: {
    commits: number;
    files: number;
    /** Size of every file in the first commit. */
    fileBytes: number;
    /** New content each later commit writes into each file it touches. */
    changeBytes: number;
    filesPerCommit: number;
    tasks: number;
    cloneRounds: number;
  };
  readonly memory: { tasks: number; targets: number; concurrency: number; latencyMs: number; sampleMs: number };
  readonly trigger: { issues: number; spanSeconds: number; pollIntervalSeconds: number };
  /** Processed issues left open while `tasks` run at 1-s polls; `busyPolls` comments on old issues. */
  readonly polling: { backlog: number; tasks: number; targets: number; busyPolls: number };
  /** Issues at random moments with webhooks on; then `downIssues` while the receiver is down for `downSeconds`. */
  readonly webhooks: {
    issues: number;
    spanSeconds: number;
    pollIntervalSeconds: number;
    webhookPollIntervalSeconds: number;
    downSeconds: number;
    downIssues: number;
  };
}

const CONFIGS = [
  { workers: 1, concurrency: 1 },
  { workers: 1, concurrency: 4 },
  { workers: 2, concurrency: 4 },
  { workers: 4, concurrency: 4 },
];

export const FULL: Sizes = {
  apiEconomy: { tasks: 100, targets: 10, concurrency: 4, pollIntervalSeconds: 5 },
  throughput: { tasks: 200, targets: 10, pollIntervalSeconds: 5, configs: CONFIGS },
  throttled: { tasks: 100, targets: 10, workers: 2, concurrency: 4, writesPerMinute: 76 },
  enqueue: { issues: 10_000, pollIntervalSeconds: 10 },
  cloneCost: { commits: 5_000, files: 2_000, fileBytes: 11_000, changeBytes: 2_350, filesPerCommit: 2, tasks: 6, cloneRounds: 2 },
  memory: { tasks: 500, targets: 10, concurrency: 4, latencyMs: 100, sampleMs: 500 },
  trigger: { issues: 24, spanSeconds: 240, pollIntervalSeconds: 30 },
  polling: { backlog: 1_000, tasks: 50, targets: 5, busyPolls: 5 },
  webhooks: { issues: 24, spanSeconds: 60, pollIntervalSeconds: 30, webhookPollIntervalSeconds: 60, downSeconds: 60, downIssues: 6 },
};

export const QUICK: Sizes = {
  apiEconomy: { tasks: 20, targets: 4, concurrency: 4, pollIntervalSeconds: 5 },
  throughput: { tasks: 20, targets: 4, pollIntervalSeconds: 5, configs: CONFIGS.slice(0, 2) },
  throttled: { tasks: 20, targets: 4, workers: 2, concurrency: 4, writesPerMinute: 76 },
  enqueue: { issues: 1_000, pollIntervalSeconds: 5 },
  cloneCost: { commits: 1_000, files: 400, fileBytes: 8_192, changeBytes: 2_048, filesPerCommit: 2, tasks: 4, cloneRounds: 1 },
  memory: { tasks: 50, targets: 4, concurrency: 4, latencyMs: 100, sampleMs: 200 },
  trigger: { issues: 8, spanSeconds: 20, pollIntervalSeconds: 5 },
  polling: { backlog: 1_000, tasks: 10, targets: 2, busyPolls: 3 },
  webhooks: { issues: 8, spanSeconds: 8, pollIntervalSeconds: 5, webhookPollIntervalSeconds: 10, downSeconds: 10, downIssues: 3 },
};
