import { describe, expect, it } from "vitest";
import { rewriteNullable } from "./nullable-rewrite.js";

describe("rewriteNullable", () => {
  it("turns nullable without type into anyOf with null", () => {
    const schema = { $ref: "#/components/schemas/simple-user", nullable: true };
    expect(rewriteNullable(schema)).toEqual({ anyOf: [{ $ref: "#/components/schemas/simple-user" }, { type: "null" }] });
  });

  it("leaves nullable beside a type for ajv but adds null to its enum", () => {
    const schema = { type: "string", nullable: true, enum: ["completed", "not_planned"] };
    expect(rewriteNullable(schema)).toEqual({ type: "string", nullable: true, enum: ["completed", "not_planned", null] });
  });

  it("rewrites nested schemas and does not touch the input", () => {
    const input = { properties: { milestone: { allOf: [{ $ref: "#/x" }], nullable: true } } };
    const output = rewriteNullable(input) as { properties: { milestone: unknown } };
    expect(output.properties.milestone).toEqual({ anyOf: [{ allOf: [{ $ref: "#/x" }] }, { type: "null" }] });
    expect(input.properties.milestone.nullable).toBe(true);
  });
});
