export interface PollIntervalInput {
  readonly pollMs: number;
  /** The interval while webhook deliveries arrive; undefined when webhooks are off. */
  readonly webhookPollMs: number | undefined;
  /** Epoch ms of the last delivery with a valid signature. */
  readonly lastDeliveryAt: number | undefined;
  readonly now?: number;
}

/**
 * The pause before the next poll: the long one while a verified delivery arrived within it
 * (webhooks work, polls are only the safety net), the short one otherwise. A receiver that
 * went quiet, or never heard from GitHub, gets the short interval back.
 */
export function pollInterval(input: PollIntervalInput): number {
  const { pollMs, webhookPollMs, lastDeliveryAt } = input;
  if (webhookPollMs === undefined || lastDeliveryAt === undefined) return pollMs;
  const now = input.now ?? Date.now();
  return now - lastDeliveryAt < webhookPollMs ? Math.max(webhookPollMs, pollMs) : pollMs;
}
