import type { IncomingMessage, ServerResponse } from "node:http";

const MAX_BODY_BYTES = 25 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: string | undefined): void {
  const all: Record<string, string | number> = { ...headers };
  if (body !== undefined) {
    all["content-type"] = "application/json; charset=utf-8";
    all["content-length"] = Buffer.byteLength(body);
  }
  res.writeHead(status, all);
  res.end(body);
}

/** Kills the connection without an answer, as a lost response looks to the client. */
export function dropConnection(req: IncomingMessage, res: ServerResponse): void {
  res.destroy();
  req.socket.destroy();
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
