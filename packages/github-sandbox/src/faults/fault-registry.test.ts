import { describe, expect, it } from "vitest";
import { FaultRegistry } from "./fault-registry.js";

const PULLS = "/repos/{owner}/{repo}/pulls";

describe("FaultRegistry", () => {
  it("fails the next matching request once by default, with 502", () => {
    const faults = new FaultRegistry();
    faults.inject({ route: `POST ${PULLS}` });
    expect(faults.take("GET", PULLS, "/repos/a/b/pulls")).toBeUndefined();
    expect(faults.take("POST", PULLS, "/repos/a/b/pulls")).toEqual({ status: 502, afterAction: false, drop: false });
    expect(faults.take("POST", PULLS, "/repos/a/b/pulls")).toBeUndefined();
  });

  it("takes the method from the method field when the route has none", () => {
    const faults = new FaultRegistry();
    faults.inject({ route: PULLS, method: "post", status: 500, count: 2 });
    expect(faults.take("POST", PULLS, "/x")?.status).toBe(500);
    expect(faults.take("POST", PULLS, "/x")?.status).toBe(500);
    expect(faults.take("POST", PULLS, "/x")).toBeUndefined();
  });

  it("matches any method and route with a bare *", () => {
    const faults = new FaultRegistry();
    faults.inject({ route: "*", drop: true, afterAction: true });
    expect(faults.take("GET", "/rate_limit", "/rate_limit")).toEqual({ status: 502, afterAction: true, drop: true });
  });

  it("can be limited to one path", () => {
    const faults = new FaultRegistry();
    faults.inject({ route: `GET ${PULLS}`, path: "/repos/a/b/pulls" });
    expect(faults.take("GET", PULLS, "/repos/a/c/pulls")).toBeUndefined();
    expect(faults.take("GET", PULLS, "/repos/a/b/pulls")).toBeDefined();
  });

  it("keeps an unlimited fault (Infinity, -1 or null) until cleared", () => {
    const faults = new FaultRegistry();
    faults.inject({ route: "*", count: -1 });
    for (let i = 0; i < 5; i += 1) expect(faults.take("GET", "/user", "/user")).toBeDefined();
    faults.clear();
    expect(faults.take("GET", "/user", "/user")).toBeUndefined();
    faults.inject({ route: "*", count: null as unknown as number });
    expect(faults.take("GET", "/user", "/user")).toBeDefined();
    expect(faults.take("GET", "/user", "/user")).toBeDefined();
  });

  it("uses faults in the order they were injected", () => {
    const faults = new FaultRegistry();
    faults.inject({ route: "*", status: 500 });
    faults.inject({ route: "*", status: 503 });
    expect(faults.take("GET", "/user", "/user")?.status).toBe(500);
    expect(faults.take("GET", "/user", "/user")?.status).toBe(503);
  });
});
