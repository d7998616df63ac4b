type Json = unknown;

/**
 * GitHub's description uses OpenAPI 3.0 `nullable: true` on schemas without a `type`
 * (often beside `$ref`, `allOf` or `anyOf`); ajv only understands `nullable` next to
 * `type` and refuses the rest. Rewrite those nodes into `anyOf: [schema, null]`.
 * Returns a new tree; the input is left untouched.
 */
export function rewriteNullable(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteNullable);
  if (!isObject(node)) return node;
  const copy: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) copy[key] = rewriteNullable(value);
  if (copy["nullable"] !== true) return copy;
  if ("type" in copy) return withNullInEnum(copy);
  delete copy["nullable"];
  return { anyOf: [copy, { type: "null" }] };
}

/** `nullable` does not widen `enum`: a nullable enum that forgot `null` would reject it. */
function withNullInEnum(schema: Record<string, Json>): Record<string, Json> {
  const values = schema["enum"];
  if (!Array.isArray(values) || values.includes(null)) return schema;
  return { ...schema, enum: [...(values as unknown[]), null] };
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null;
}
