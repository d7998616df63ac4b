import net from "node:net";

export interface LaggingProxy {
  /** A redis:// URL through the proxy. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A TCP proxy that holds every chunk, both ways, for `lagMs`: a Redis as slow
 * to answer as one on a loaded machine, where a reply can arrive after the
 * code that asked has moved on.
 */
export async function startLaggingProxy(target: { host: string; port: number }, lagMs: number): Promise<LaggingProxy> {
  const sockets = new Set<net.Socket>();
  const forward = (from: net.Socket, to: net.Socket): void => {
    from.on("data", (chunk) => setTimeout(() => to.destroyed || to.write(chunk), lagMs));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
