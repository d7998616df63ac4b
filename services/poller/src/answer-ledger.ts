import type { RedisConnection } from "@agent-runner/runtime";

/** Remembers which issue versions were already answered, so a poll never repeats a comment. */
export interface AnswerLedger {
  /** True if this caller won the right to answer (first time for this key). */
  claim(key: string): Promise<boolean>;
  /** Gives the claim back after a failed answer, so the next poll tries again. */
  release(key: string): Promise<void>;
}

const NINETY_DAYS_SECONDS = 90 * 24 * 3600;

/**
 * Claims live in Redis beside the queue: they survive poller restarts and are
 * shared by poller replicas (SET NX makes exactly one of them answer).
 */
export class RedisAnswerLedger implements AnswerLedger {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async claim(key: string): Promise<boolean> {
    return (await this.redis.set(this.key(key), "1", "EX", NINETY_DAYS_SECONDS, "NX")) === "OK";
  }

  async release(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }

  private key(key: string): string {
    return `${this.prefix}:answered:${key}`;
  }
}
