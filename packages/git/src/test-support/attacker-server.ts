import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly proxyAuthorization: string | undefined;
}

/**
 * A server that would like the worker's token: it records every request and
 * answers each with a Basic challenge, so a client holding credentials for it
 * sends them. Works as a git remote and as an HTTP proxy alike.
 */
export class AttackerServer {
  readonly requests: RecordedRequest[] = [];

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<AttackerServer> {
    const server = http.createServer();
    const attacker = new AttackerServer(server);
    server.on("request", (req, res) => {
      attacker.requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        proxyAuthorization: req.headers["proxy-authorization"],
      });
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="attacker"', "Content-Type": "text/plain" });
      res.end("credentials, please\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return attacker;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Base URL, e.g. http://127.0.0.1:40123 */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The requests that carried credentials of any kind. */
  get credentialed(): RecordedRequest[] {
    return this.requests.filter((r) => r.authorization !== undefined || r.proxyAuthorization !== undefined);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A front for the real git server: forwards every request to `target`, except
 * those `redirect` picks, which get a 302 to the same path at `redirectTo`.
 */
export class RedirectingFront {
  readonly redirected: string[] = [];

  private constructor(private readonly server: http.Server) {}

  static async start(options: { target: string; redirectTo: string; redirect: (url: string) => boolean }): Promise<RedirectingFront> {
    const server = http.createServer();
    const front = new RedirectingFront(server);
    const target = new URL(options.target);
    server.on("request", (req, res) => {
      const path = req.url ?? "/";
      if (options.redirect(path)) {
        front.redirected.push(path);
        req.resume();
        res.writeHead(302, { Location: `${options.redirectTo}${path}` });
        res.end();
        return;
      }
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return front;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
