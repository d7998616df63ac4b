import { describe, expect, it } from "vitest";
import { API_OPERATIONS, WEBHOOK_EVENTS } from "./api-operations.js";
import { createOpenApiValidator } from "./openapi-validator.js";

const validatorPromise = createOpenApiValidator();

const rate = { limit: 5000, remaining: 4999, reset: 1_800_000_000, used: 1 };

describe("the OpenAPI validator built from GitHub's description", () => {
  it("knows every operation the sandbox serves and every webhook it sends", async () => {
    const validator = await validatorPromise;
    for (const operation of API_OPERATIONS) {
      const [method = "", path = ""] = operation.split(" ");
      expect(validator.knowsOperation(method, path), operation).toBe(true);
    }
    for (const eventAction of WEBHOOK_EVENTS) {
      const [event = "", action = ""] = eventAction.split(".");
      expect(validator.validateWebhook(event, action, {}).length, eventAction).toBeGreaterThan(0);
    }
  });

  it("accepts a response GitHub would send", async () => {
    const validator = await validatorPromise;
    expect(validator.validateResponse("GET", "/rate_limit", 200, { resources: { core: rate, search: rate }, rate })).toEqual([]);
  });

  it("rejects a response missing a required field", async () => {
    const validator = await validatorPromise;
    const errors = validator.validateResponse("GET", "/rate_limit", 200, { resources: { core: rate, search: rate } });
    expect(errors.map((error) => error.message).join()).toContain("rate");
  });

  it("rejects a property GitHub's schema does not declare", async () => {
    const validator = await validatorPromise;
    const body = { resources: { core: rate, search: rate }, rate: { ...rate, bonus: 1 } };
    expect(validator.validateResponse("GET", "/rate_limit", 200, body)).toEqual([
      { path: "/rate/bonus", message: "property not declared by GitHub's schema" },
    ]);
  });

  it("can be told to allow undeclared properties", async () => {
    const lenient = await createOpenApiValidator({ rejectUndeclaredProperties: false });
    const body = { resources: { core: rate, search: rate }, rate: { ...rate, bonus: 1 } };
    expect(lenient.validateResponse("GET", "/rate_limit", 200, body)).toEqual([]);
  });

  it("rejects a wrong type", async () => {
    const validator = await validatorPromise;
    const errors = validator.validateResponse("GET", "/repos/{owner}/{repo}", 404, { message: 404, documentation_url: "x" });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe("/message");
  });

  it("checks undeclared error statuses against GitHub's generic error document", async () => {
    const validator = await validatorPromise;
    const ok = { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" };
    expect(validator.validateResponse("GET", "/repos/{owner}/{repo}/issues", 401, ok)).toEqual([]);
    expect(validator.validateResponse("GET", "/repos/{owner}/{repo}/issues", 401, { error: "nope" })).not.toEqual([]);
  });

  it("requires an empty body on 304, declared or not", async () => {
    const validator = await validatorPromise;
    expect(validator.validateResponse("GET", "/repos/{owner}/{repo}/pulls", 304, undefined)).toEqual([]);
    expect(validator.validateResponse("GET", "/repos/{owner}/{repo}/issues", 304, undefined)).toEqual([]);
    expect(validator.validateResponse("GET", "/repos/{owner}/{repo}/pulls", 304, [])).not.toEqual([]);
    expect(validator.validateResponse("DELETE", "/repos/{owner}/{repo}/git/refs/{ref}", 204, { message: "x" })).not.toEqual([]);
  });

  it("rejects a success status the operation does not declare", async () => {
    const validator = await validatorPromise;
    const errors = validator.validateResponse("POST", "/repos/{owner}/{repo}/issues", 200, {});
    expect(errors[0]?.message).toContain("declares no 200");
  });

  it("reports operations outside the extracted subset", async () => {
    const validator = await validatorPromise;
    expect(validator.validateResponse("GET", "/gists", 200, [])[0]?.message).toContain("not in the extracted subset");
  });

  it("takes GitHub's error document, or nothing, for an error status declared without content", async () => {
    const validator = await validatorPromise;
    const route = "/repos/{owner}/{repo}/git/refs/{ref}";
    expect(validator.validateResponse("DELETE", route, 422, { message: "Reference does not exist", documentation_url: "https://docs.github.com" })).toEqual([]);
    expect(validator.validateResponse("DELETE", route, 422, undefined)).toEqual([]);
    expect(validator.validateResponse("DELETE", route, 422, { error: "nope" })).not.toEqual([]);
  });
});
