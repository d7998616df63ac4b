type Json = unknown;
type JsonObject = Record<string, Json>;

export type SchemaResolver = (ref: string) => Json;

/**
 * GitHub's schemas allow any extra property, so a plain JSON Schema check would accept a
 * response carrying fields GitHub never sends, and client code could come to rely on them.
 * This walk reports every property of `value` that no branch of `schema` declares, with a
 * JSON pointer to it. Objects whose schema declares no properties (free-form maps) or sets
 * `additionalProperties` are not checked.
 */
export function findUndeclaredProperties(schema: Json, value: Json, resolve: SchemaResolver, path = ""): string[] {
  const branches = flattenBranches(schema, resolve);
  if (Array.isArray(value)) return undeclaredInArray(branches, value, resolve, path);
  if (typeof value !== "object" || value === null) return [];
  return undeclaredInObject(branches, value as JsonObject, resolve, path);
}

function undeclaredInArray(branches: JsonObject[], value: Json[], resolve: SchemaResolver, path: string): string[] {
  const items = branches.map((branch) => branch["items"]).filter((item) => item !== undefined);
  if (items.length === 0) return [];
  return value.flatMap((item, index) => findUndeclaredProperties({ anyOf: items }, item, resolve, `${path}/${index}`));
}

function undeclaredInObject(branches: JsonObject[], value: JsonObject, resolve: SchemaResolver, path: string): string[] {
  const objectBranches = branches.filter((branch) => isObject(branch["properties"]));
  const freeForm = objectBranches.length === 0 || branches.some((branch) => branch["additionalProperties"] !== undefined);
  if (freeForm) return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childSchemas = objectBranches
      .map((branch) => (branch["properties"] as JsonObject)[key])
      .filter((childSchema) => childSchema !== undefined);
    const childPath = `${path}/${escapePointer(key)}`;
    if (childSchemas.length === 0) found.push(childPath);
    else found.push(...findUndeclaredProperties({ anyOf: childSchemas }, child, resolve, childPath));
  }
  return found;
}

/** Every schema a value could be checked against: `$ref`s resolved, `allOf/anyOf/oneOf` opened up. */
function flattenBranches(schema: Json, resolve: SchemaResolver, seen = new Set<Json>()): JsonObject[] {
  if (!isObject(schema) || seen.has(schema)) return [];
  seen.add(schema);
  if (typeof schema["$ref"] === "string") return flattenBranches(resolve(schema["$ref"]), resolve, seen);
  const nested = ["allOf", "anyOf", "oneOf"].flatMap((keyword) => {
    const list = schema[keyword];
    return Array.isArray(list) ? list.flatMap((branch) => flattenBranches(branch, resolve, seen)) : [];
  });
  return [schema, ...nested];
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function isObject(value: Json): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
