import { invalidRequest } from "../api/api-error.js";

export type JsonObject = Record<string, unknown>;

/**
 * Readers for request bodies that answer like GitHub's schema validation:
 * 422 `Invalid request.\n\n"title" wasn't supplied.` and the like.
 */
export function bodyObject(body: unknown): JsonObject {
  if (body === undefined) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest(`For 'links/0/schema', ${JSON.stringify(body)} is not an object.`);
  }
  return body as JsonObject;
}

export function requiredString(body: JsonObject, key: string): string {
  const value = body[key];
  if (value === undefined) throw invalidRequest(`"${key}" wasn't supplied.`);
  return asString(value, key);
}

export function optionalString(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  return value === undefined ? undefined : asString(value, key);
}

/** A string that may be explicitly null (issue and pull request bodies). */
export function nullableString(body: JsonObject, key: string): string | null | undefined {
  const value = body[key];
  if (value === null) return null;
  return value === undefined ? undefined : asString(value, key);
}

export function optionalBoolean(body: JsonObject, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalidRequest(`For 'properties/${key}', ${JSON.stringify(value)} is not a boolean.`);
  return value;
}

export function optionalEnum<T extends string>(body: JsonObject, key: string, allowed: readonly T[]): T | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw invalidRequest(`For 'properties/${key}', ${JSON.stringify(value)} is not one of ${JSON.stringify(allowed)}.`);
  }
  return value as T;
}

/** Label lists come as names or as `{ name }` objects. */
export function labelNames(value: unknown, key = "labels"): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidRequest(`For 'properties/${key}', ${JSON.stringify(value)} is not an array.`);
  return value.map((item) => {
    if (typeof item === "string") return item;
    if (typeof item === "object" && item !== null && typeof (item as JsonObject)["name"] === "string") {
      return (item as JsonObject)["name"] as string;
    }
    throw invalidRequest(`For 'items', ${JSON.stringify(item)} is not a string.`);
  });
}

function asString(value: unknown, key: string): string {
  // GitHub's schema takes numbers for titles too and stringifies them.
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") throw invalidRequest(`For 'properties/${key}', ${JSON.stringify(value)} is not a string.`);
  return value;
}
