/** The BullMQ queue every task goes through; its keys live under the configured prefix. */
export const TASK_QUEUE_NAME = "tasks";
