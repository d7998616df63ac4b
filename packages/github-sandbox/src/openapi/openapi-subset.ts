import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { API_OPERATIONS, WEBHOOK_EVENTS } from "./api-operations.js";
import { rewriteNullable } from "./nullable-rewrite.js";

type Json = unknown;
type JsonObject = Record<string, Json>;

/** The part of GitHub's OpenAPI description the sandbox is checked against. */
export interface OpenApiSubset {
  /** `METHOD /path` → status code (or "default") → response schema; null when the response has no JSON body. */
  operations: Record<string, Record<string, Json>>;
  /** `event.action` → payload schema. */
  webhooks: Record<string, Json>;
  /** Every component schema reachable from the above, keyed by name, with `nullable` rewritten. */
  schemas: Record<string, Json>;
}

const SPEC_FILE = "@octokit/openapi/generated/api.github.com.json";
const SCHEMA_REF = "#/components/schemas/";

// Parsing the 13 MB description takes ~0.35 s, so the subset is computed once per process
// and shared by every validator; the full description is dropped right after extraction.
let cachedSubset: OpenApiSubset | undefined;

export function loadOpenApiSubset(): OpenApiSubset {
  cachedSubset ??= extractOpenApiSubset(readSpec(), API_OPERATIONS, WEBHOOK_EVENTS);
  return cachedSubset;
}

function readSpec(): JsonObject {
  // Resolved from this package (a dev dependency): the file directly, never the package index,
  // which would load all ten descriptions.
  const path = createRequire(import.meta.url).resolve(SPEC_FILE);
  return JSON.parse(readFileSync(path, "utf8")) as JsonObject;
}

function extractOpenApiSubset(
  spec: JsonObject,
  operations: readonly string[],
  webhookEvents: readonly string[],
): OpenApiSubset {
  const components = asObject(spec["components"], "components");
  const allSchemas = asObject(components["schemas"], "components.schemas");
  const allResponses = asObject(components["responses"] ?? {}, "components.responses");
  const paths = asObject(spec["paths"], "paths");

  const subset: OpenApiSubset = { operations: {}, webhooks: {}, schemas: {} };
  const wanted = new Set<string>();
  for (const key of operations) {
    subset.operations[key] = extractOperation(paths, allResponses, key);
    collectRefs(subset.operations[key], wanted);
  }
  for (const eventAction of webhookEvents) {
    const name = `webhook-${eventAction.replace(".", "-").replaceAll("_", "-")}`;
    if (!(name in allSchemas)) throw new Error(`GitHub's description has no schema ${name}`);
    subset.webhooks[eventAction] = { $ref: `${SCHEMA_REF}${name}` };
    wanted.add(name);
  }
  copyReachableSchemas(allSchemas, wanted, subset.schemas);
  return {
    operations: rewriteNullable(subset.operations) as OpenApiSubset["operations"],
    webhooks: subset.webhooks,
    schemas: rewriteNullable(subset.schemas) as OpenApiSubset["schemas"],
  };
}

function extractOperation(paths: JsonObject, responses: JsonObject, key: string): Record<string, Json> {
  const [method = "", path = ""] = key.split(" ");
  const pathItem = asObject(paths[path] ?? {}, path);
  const operation = pathItem[method.toLowerCase()];
  if (operation === undefined) throw new Error(`GitHub's description has no operation ${key}`);
  const declared = asObject(asObject(operation, key)["responses"], `${key} responses`);
  const result: Record<string, Json> = {};
  for (const [status, response] of Object.entries(declared)) {
    result[status] = jsonSchemaOf(resolveResponse(response, responses));
  }
  return result;
}

function resolveResponse(response: Json, responses: JsonObject): JsonObject {
  const object = asObject(response, "response");
  const ref = object["$ref"];
  if (typeof ref !== "string") return object;
  return asObject(responses[ref.split("/").pop() ?? ""], ref);
}

function jsonSchemaOf(response: JsonObject): Json {
  const content = response["content"] as JsonObject | undefined;
  const json = content?.["application/json"] as JsonObject | undefined;
  return json?.["schema"] ?? null;
}

function copyReachableSchemas(all: JsonObject, wanted: Set<string>, into: JsonObject): void {
  const queue = [...wanted];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (name in into) continue;
    const schema = all[name];
    if (schema === undefined) throw new Error(`GitHub's description has no schema ${name}`);
    into[name] = schema;
    const refs = new Set<string>();
    collectRefs(schema, refs);
    for (const ref of refs) if (!(ref in into)) queue.push(ref);
  }
}

function collectRefs(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, into);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith(SCHEMA_REF)) {
      into.add(value.slice(SCHEMA_REF.length));
    } else {
      collectRefs(value, into);
    }
  }
}

function asObject(value: Json, what: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`Unexpected shape in GitHub's description at ${what}`);
  }
  return value as JsonObject;
}
