import { describe, expect, it } from "vitest";
import { pollInterval } from "./poll-interval.js";

describe("the poll interval", () => {
  const base = { pollMs: 30_000, webhookPollMs: 300_000, now: 1_000_000 };

  it("is the short one when webhooks are off or no delivery has arrived yet", () => {
    expect(pollInterval({ ...base, webhookPollMs: undefined, lastDeliveryAt: base.now })).toBe(30_000);
    expect(pollInterval({ ...base, lastDeliveryAt: undefined })).toBe(30_000);
  });

  it("is the long one while a verified delivery arrived within it", () => {
    expect(pollInterval({ ...base, lastDeliveryAt: base.now - 299_999 })).toBe(300_000);
  });

  it("falls back to the short one once deliveries stop arriving", () => {
    expect(pollInterval({ ...base, lastDeliveryAt: base.now - 300_000 })).toBe(30_000);
  });

  it("never polls more often because of webhooks", () => {
    expect(pollInterval({ ...base, webhookPollMs: 10_000, lastDeliveryAt: base.now })).toBe(30_000);
  });
});
