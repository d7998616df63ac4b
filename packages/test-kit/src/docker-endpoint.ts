import { existsSync } from "node:fs";
import http from "node:http";

/** The Docker-API endpoints this machine kind can have: DOCKER_HOST (unix://…) or Docker's default socket. */
const DEFAULT_SOCKET = "/var/run/docker.sock";

/**
 * The unix socket a Docker API would be reached at, as testcontainers and docker-compose look for it:
 * DOCKER_HOST when it names a unix socket, else Docker's default socket when it exists. A tcp:// or
 * ssh:// DOCKER_HOST is not probed (undefined): the tests only use a local engine.
 */
export function dockerSocketPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = env["DOCKER_HOST"];
  if (host !== undefined && host !== "") return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
  return existsSync(DEFAULT_SOCKET) ? DEFAULT_SOCKET : undefined;
}

/** True when a Docker API (Docker, or podman's `system service`) answers `GET /_ping` on `socketPath` now. */
export function dockerApiAnswers(socketPath: string | undefined, timeoutMs = 2_000): Promise<boolean> {
  if (socketPath === undefined || !existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: "/_ping", timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve(response.statusCode === 200 && body.trim() === "OK"));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(false));
  });
}
