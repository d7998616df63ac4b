import { ChangeFailedError } from "@agent-runner/core";
import { describeFileChanges, listFileChanges, uniqueChanges } from "./describe-file-changes.js";
import { extractDiffBlocks } from "./diff-blocks.js";
import { parseUnifiedDiff } from "./parse-unified-diff.js";
import { planPatches } from "./plan-patches.js";
import type { ChangeResult, ChangeTask, ChangeWorkspace, TaskHandler } from "./task-handler.js";
import { writePlannedFiles } from "./write-planned-files.js";
import { writeTraceFile } from "./trace-file.js";

/**
 * Applies the unified diffs in the instruction's ```diff / ```patch blocks,
 * all or nothing, and records the task in the trace file. A patch that is
 * already on the branch counts as applied, so a re-run changes nothing.
 */
export class PatchTaskHandler implements TaskHandler {
  readonly name = "patch";

  async apply(workspace: ChangeWorkspace, task: ChangeTask, signal: AbortSignal): Promise<ChangeResult> {
    signal.throwIfAborted();
    const blocks = extractDiffBlocks(task.instruction);
    if (blocks.length === 0) {
      throw new ChangeFailedError(
        "no ```diff block found in the instruction",
        "no ```diff block found in the instruction: the patch handler applies unified diffs in fenced ```diff or ```patch blocks",
      );
    }
    const patches = blocks.flatMap((block) => parseUnifiedDiff(block.text, block.index));
    if (patches.length === 0) {
      throw new ChangeFailedError(
        "the ```diff blocks contain no file patch",
        "the ```diff blocks contain no file patch: expected `diff --git a/… b/…` or `--- a/…` / `+++ b/…` headers followed by `@@` hunks",
      );
    }
    const plan = await planPatches(workspace.dir, patches, { signal });
    signal.throwIfAborted();
    await writePlannedFiles(workspace.dir, plan.writes);
    const count = uniqueChanges(plan.changes).length;
    // Already-applied files are reported like fresh ones so a re-run writes an identical trace file.
    await writeTraceFile(workspace.dir, task, {
      handler: this.name,
      outcome: `applied ${count} file ${count === 1 ? "change" : "changes"}`,
      details: listFileChanges(plan.changes),
    });
    return {
      summary: describeFileChanges(plan.changes),
      changedFiles: [...new Set([...plan.writes.map((write) => write.path), task.traceFilePath])],
    };
  }
}
