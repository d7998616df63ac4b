const MASK = "[REDACTED]";

/**
 * Replaces every occurrence of each secret in strings found anywhere in
 * `value` (deeply, cycles tolerated). Errors are turned into plain objects so
 * their message and stack are scrubbed too. Used by the logger and before
 * anything leaves the process (job failure reasons, comments).
 */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  const active = secrets.filter((s) => s.length >= 4);
  if (active.length === 0) return value;
  return walk(value, active, new WeakMap()) as T;
}

export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

function walk(value: unknown, secrets: string[], seen: WeakMap<object, unknown>): unknown {
  if (typeof value === "string") return scrubText(value, secrets);
  if (typeof value !== "object" || value === null) return value;
  const cached = seen.get(value);
  if (cached !== undefined) return cached;
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: "", stack: "" };
    seen.set(value, out);
    for (const key of Object.keys(value)) out[key] = walk((value as unknown as Record<string, unknown>)[key], secrets, seen);
    out["message"] = scrubText(value.message, secrets);
    out["stack"] = scrubText(value.stack ?? "", secrets);
    if (value.cause !== undefined) out["cause"] = walk(value.cause, secrets, seen);
    return out;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(walk(item, secrets, seen));
    return out;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [key, item] of Object.entries(value)) out[key] = walk(item, secrets, seen);
  return out;
}
