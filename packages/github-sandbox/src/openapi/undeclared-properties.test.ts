import { describe, expect, it } from "vitest";
import { findUndeclaredProperties } from "./undeclared-properties.js";

const schemas: Record<string, unknown> = {
  user: { type: "object", properties: { login: { type: "string" }, id: { type: "integer" } } },
  issue: {
    type: "object",
    properties: {
      title: { type: "string" },
      user: { anyOf: [{ $ref: "#/components/schemas/user" }, { type: "null" }] },
      labels: { type: "array", items: { oneOf: [{ type: "string" }, { type: "object", properties: { name: { type: "string" } } }] } },
      extra: { type: "object", additionalProperties: true },
    },
  },
};
const resolve = (ref: string) => schemas[ref.replace("#/components/schemas/", "")];

describe("findUndeclaredProperties", () => {
  it("accepts a value that only uses declared properties", () => {
    const value = { title: "t", user: { login: "a", id: 1 }, labels: ["bug", { name: "x" }] };
    expect(findUndeclaredProperties({ $ref: "#/components/schemas/issue" }, value, resolve)).toEqual([]);
  });

  it("reports undeclared properties with a JSON pointer, through refs, anyOf and arrays", () => {
    const value = { title: "t", nope: 1, user: { login: "a", admin: true }, labels: [{ name: "x", colour: "red" }] };
    expect(findUndeclaredProperties({ $ref: "#/components/schemas/issue" }, value, resolve)).toEqual([
      "/nope",
      "/user/admin",
      "/labels/0/colour",
    ]);
  });

  it("does not check free-form objects", () => {
    expect(findUndeclaredProperties({ $ref: "#/components/schemas/issue" }, { extra: { anything: 1 } }, resolve)).toEqual([]);
    expect(findUndeclaredProperties({ type: "object" }, { anything: 1 }, resolve)).toEqual([]);
  });
});
