import type { RedisConnection } from "@agent-runner/runtime";

/** Remembers webhook delivery ids, so a redelivered or replayed delivery is handled once. */
export interface DeliveryLedger {
  /** True the first time an id is seen (within the retention). */
  firstSight(deliveryId: string): Promise<boolean>;
}

/** GitHub keeps deliveries for redelivery for a few days; a replay older than this is stale anyway. */
const RETENTION_SECONDS = 3 * 24 * 3600;

/**
 * Ids live in Redis beside the queue (SET NX with a TTL), so poller replicas behind one URL
 * share them. This module owns the key layout: `<queue prefix>:webhook-delivery:<id>`.
 */
export class RedisDeliveryLedger implements DeliveryLedger {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async firstSight(deliveryId: string): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:webhook-delivery:${deliveryId}`, "1", "EX", RETENTION_SECONDS, "NX")) === "OK";
  }
}
