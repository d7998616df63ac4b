import path from "node:path";
import { fileURLToPath } from "node:url";

/** The monorepo root: this file is bench/{src,dist}/harness/paths.{ts,js}. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export const SERVICE_ENTRY = {
  worker: path.join(REPO_ROOT, "services/worker/dist/main.js"),
  poller: path.join(REPO_ROOT, "services/poller/dist/main.js"),
} as const;

export const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
