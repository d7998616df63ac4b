import { describe, expect, it } from "vitest";
import { clusterTarget } from "./create-redis-connection.js";

describe("clusterTarget", () => {
  it("is undefined for a plain redis:// URL without cluster nodes", () => {
    expect(clusterTarget({ url: "redis://127.0.0.1:6379" })).toBeUndefined();
  });

  it("reads every host of a redis+cluster:// URL with its credentials", () => {
    expect(clusterTarget({ url: "redis+cluster://app:s%40cret@10.0.0.1:7000,10.0.0.2:7001" })).toEqual({
      seeds: [
        { host: "10.0.0.1", port: 7000 },
        { host: "10.0.0.2", port: 7001 },
      ],
      username: "app",
      password: "s@cret",
    });
  });

  it("prefers REDIS_CLUSTER_NODES seeds and keeps the URL's password", () => {
    expect(clusterTarget({ url: "redis://:pw@ignored:1", clusterNodes: ["a:7000", "b"] })).toEqual({
      seeds: [
        { host: "a", port: 7000 },
        { host: "b", port: 6379 },
      ],
      username: undefined,
      password: "pw",
    });
  });
});
