import type { ChangeResult, ChangeTask, ChangeWorkspace, TaskHandler } from "./task-handler.js";
import { writeTraceFile } from "./trace-file.js";

/** The default change step: records the task in `agent-tasks/<prefix>.md`. */
export class TraceTaskHandler implements TaskHandler {
  readonly name = "trace";
  readonly traceIsTheChange = true;

  async apply(workspace: ChangeWorkspace, task: ChangeTask): Promise<ChangeResult> {
    await writeTraceFile(workspace.dir, task, { handler: this.name, outcome: "trace file written" });
    return { summary: `Wrote the trace file \`${task.traceFilePath}\`.`, changedFiles: [task.traceFilePath] };
  }
}
