import http from "node:http";

/** A container as `GET /containers/json` lists it (the fields these tests read). */
export interface ContainerSummary {
  readonly Id: string;
  readonly Names: string[];
  readonly Image: string;
  readonly State: string;
  readonly Labels: Record<string, string>;
  readonly Ports?: { PrivatePort: number; PublicPort?: number; IP?: string }[];
}

/**
 * The few Docker Engine API calls the container tests make themselves, on the socket DOCKER_HOST
 * names: the same API docker-compose drives, so a kill here is what `docker kill` does.
 */
export class DockerApi {
  constructor(private readonly socketPath: string) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): DockerApi {
    const host = env["DOCKER_HOST"] ?? "";
    if (!host.startsWith("unix://")) throw new Error(`DOCKER_HOST must name a unix socket (got "${host}"): run scripts/containers/setup-engine.sh`);
    return new DockerApi(host.slice("unix://".length));
  }

  /** Containers of a compose project (running or not), optionally of one service. */
  async composeContainers(project: string, service?: string): Promise<ContainerSummary[]> {
    const labels = [`com.docker.compose.project=${project}`, ...(service === undefined ? [] : [`com.docker.compose.service=${service}`])];
    const filters = encodeURIComponent(JSON.stringify({ label: labels }));
    return (await this.request("GET", `/containers/json?all=true&filters=${filters}`)) as ContainerSummary[];
  }

  async allContainers(): Promise<ContainerSummary[]> {
    return (await this.request("GET", "/containers/json?all=true")) as ContainerSummary[];
  }

  async inspect(id: string): Promise<Record<string, unknown> & { State: { Status: string; Health?: { Status: string } }; Config: { User: string; Image: string; Env: string[] } }> {
    return (await this.request("GET", `/containers/${id}/json`)) as never;
  }

  /** `docker top`: the processes running in a container, one array of ps columns each. */
  async processes(id: string): Promise<string[][]> {
    type Top = { Processes?: string[][] | null } | undefined;
    const top = (await this.request("GET", `/containers/${id}/top`)) as Top;
    if (top !== undefined) return top.Processes ?? [];
    // Podman 4.3's Docker-compatible top answers 200 with an empty body; its own API answers.
    const libpod = (await this.request("GET", `/v4.0.0/libpod/containers/${id}/top?stream=false`)) as Top;
    return libpod?.Processes ?? [];
  }

  /** `docker kill`: SIGKILL to the container's main process, no grace period. */
  async kill(id: string): Promise<void> {
    await this.request("POST", `/containers/${id}/kill?signal=SIGKILL`);
  }

  async imageSize(name: string): Promise<number> {
    return ((await this.request("GET", `/images/${encodeURIComponent(name)}/json`)) as { Size: number }).Size;
  }

  private request(method: string, path: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, method, path, timeout: 30_000 }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new Error(`Docker API ${method} ${path}: ${status} ${body}`));
          else resolve(body === "" ? undefined : JSON.parse(body));
        });
      });
      req.on("timeout", () => req.destroy(new Error(`Docker API ${method} ${path}: timed out`)));
      req.on("error", reject);
      req.end();
    });
  }
}
