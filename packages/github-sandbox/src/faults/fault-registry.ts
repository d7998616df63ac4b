import type { FaultSpec } from "../types.js";

/** A fault chosen for one request. */
export interface ActiveFault {
  status: number;
  afterAction: boolean;
  drop: boolean;
  body?: unknown;
}

interface ArmedFault {
  method?: string;
  route: string;
  path?: string;
  remaining: number;
  fault: ActiveFault;
}

const METHOD_PREFIX = /^(GET|POST|PATCH|PUT|DELETE|HEAD|OPTIONS)\s+(.*)$/i;

/** Faults armed by tests, consumed in the order they were injected. */
export class FaultRegistry {
  private armed: ArmedFault[] = [];

  inject(spec: FaultSpec): void {
    const match = METHOD_PREFIX.exec(spec.route.trim());
    const method = (match?.[1] ?? spec.method)?.toUpperCase();
    // -1 (or null, which is what JSON makes of Infinity) means "until cleared".
    const raw = spec.count as number | null | undefined;
    const count = raw === undefined ? 1 : raw === null || raw < 0 ? Infinity : raw;
    this.armed.push({
      ...(method ? { method } : {}),
      route: match?.[2] ?? spec.route.trim(),
      ...(spec.path ? { path: spec.path } : {}),
      remaining: count,
      fault: {
        status: spec.status ?? 502,
        afterAction: spec.afterAction ?? false,
        drop: spec.drop ?? false,
        ...(spec.body === undefined ? {} : { body: spec.body }),
      },
    });
  }

  clear(): void {
    this.armed = [];
  }

  /** The fault for this request, if one is armed for it; consumes one of its count. */
  take(method: string, routeTemplate: string, path: string): ActiveFault | undefined {
    // Handlers pass the request log's template, which starts with the method
    // ("POST /repos/{owner}/{repo}/pulls"); armed faults keep the method apart.
    const route = METHOD_PREFIX.exec(routeTemplate)?.[2] ?? routeTemplate;
    const armed = this.armed.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (candidate.method === undefined || candidate.method === method.toUpperCase()) &&
        (candidate.route === "*" || candidate.route === route) &&
        (candidate.path === undefined || candidate.path === path),
    );
    if (!armed) return undefined;
    armed.remaining -= 1;
    this.armed = this.armed.filter((candidate) => candidate.remaining > 0);
    return armed.fault;
  }
}
