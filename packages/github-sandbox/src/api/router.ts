export interface Routable {
  /** `METHOD /path/{param}/…` */
  operation: string;
}

export interface RouteMatch<T> {
  route: T;
  params: Record<string, string>;
}

interface CompiledRoute<T> {
  method: string;
  pattern: RegExp;
  names: string[];
  route: T;
}

/** Matches `METHOD /path` against route templates; parameters are single, URL-decoded path segments. */
export class Router<T extends Routable> {
  private readonly compiled: Array<CompiledRoute<T>>;

  constructor(routes: readonly T[]) {
    this.compiled = routes.map((route) => compile(route));
  }

  match(method: string, path: string): RouteMatch<T> | undefined {
    for (const candidate of this.compiled) {
      if (candidate.method !== method.toUpperCase()) continue;
      const found = candidate.pattern.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      candidate.names.forEach((name, index) => {
        params[name] = safeDecode(found[index + 1] ?? "");
      });
      return { route: candidate.route, params };
    }
    return undefined;
  }
}

function compile<T extends Routable>(route: T): CompiledRoute<T> {
  const [method = "", template = ""] = route.operation.split(" ");
  const names: string[] = [];
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      if (!part.startsWith("{")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const name = part.slice(1, -1);
      names.push(name);
      // A git ref (`heads/feature/x`) spans segments, as GitHub takes it with raw slashes too.
      return name === "ref" ? "(.+?)" : "([^/]+)";
    })
    .join("");
  // GitHub tolerates one trailing slash.
  return { method, pattern: new RegExp(`^${source}/?$`), names, route };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
