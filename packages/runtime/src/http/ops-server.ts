import type { Server } from "node:http";
import express from "express";
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { basicAuth } from "./basic-auth.js";
import { BULL_BOARD_PATH, createBullBoardRouter } from "./bull-board.js";

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface OpsServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly registry: Registry;
  readonly readiness: () => Promise<ReadinessReport>;
  readonly queue: Queue;
  readonly bullBoard: { readonly username: string; readonly password: string } | undefined;
  readonly logger: Logger;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** /healthz, /readyz, /metrics and the Bull Board, as every service serves them. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const app = express();
  app.disable("x-powered-by");
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", (_req, res, next) => {
    options
      .readiness()
      .then((report) => res.status(report.ready ? 200 : 503).json(report))
      .catch(next);
  });
  app.get("/metrics", (_req, res, next) => {
    options.registry
      .metrics()
      .then((text) => res.type(options.registry.contentType).send(text))
      .catch(next);
  });
  const readOnly = options.bullBoard === undefined;
  if (readOnly) {
    options.logger.warn("BULL_BOARD_USERNAME/PASSWORD not set: the Bull Board is read-only (no retry, clean or remove)");
  } else {
    app.use(BULL_BOARD_PATH, basicAuth(options.bullBoard.username, options.bullBoard.password));
  }
  app.use(BULL_BOARD_PATH, createBullBoardRouter(options.queue, { readOnly }));

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port, options.host ?? "0.0.0.0", () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  options.logger.info({ port, board: BULL_BOARD_PATH }, "ops server listening");
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
