import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { Router } from "express";

export const BULL_BOARD_PATH = "/admin/queues";

/**
 * The Bull Board UI for the task queue. Read-only unless the caller has put
 * authentication in front of it; each job links to its dispatch issue.
 */
export function createBullBoardRouter(queue: Queue, options: { readOnly: boolean }): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [
      new BullMQAdapter(queue, {
        readOnlyMode: options.readOnly,
        allowRetries: !options.readOnly,
        description: "dispatch tasks",
        externalJobUrl: (job) => {
          const url = (job.data as { issueUrl?: unknown } | undefined)?.issueUrl;
          return typeof url === "string" && /^https?:\/\//.test(url)
            ? { href: url, displayText: "dispatch issue" }
            : { href: "#", displayText: "" };
        },
      }),
    ],
    serverAdapter,
    options: { uiConfig: { boardTitle: "agent-runner" } },
  });
  return serverAdapter.getRouter() as Router;
}
