type CleanupFn = () => Promise<void> | void;

/** Every stack not yet run, so a Ctrl-C can still stop processes and delete keys. */
const live = new Set<CleanupStack>();

/**
 * Things to undo, undone in reverse order of registration. Every step runs even
 * when an earlier one fails; the failures are reported together.
 */
export class CleanupStack {
  private readonly steps: Array<{ what: string; fn: CleanupFn }> = [];
  private done = false;

  constructor() {
    live.add(this);
  }

  defer(what: string, fn: CleanupFn): void {
    if (this.done) throw new Error(`cleanup stack already ran; cannot defer ${what}`);
    this.steps.push({ what, fn });
  }

  async run(): Promise<void> {
    if (this.done) return;
    this.done = true;
    live.delete(this);
    const failures: string[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step.fn();
      } catch (error) {
        failures.push(`${step.what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`cleanup failed: ${failures.join("; ")}`);
  }
}

/** Runs every stack that has not run yet (signal handlers); never throws. */
export async function runAllCleanups(): Promise<void> {
  for (const stack of [...live].reverse()) await stack.run().catch(() => undefined);
}
