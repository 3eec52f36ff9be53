// Listening, readiness and graceful shutdown: on SIGTERM readiness turns false (so Kubernetes stops
// sending traffic), in-flight requests finish, keep-alive connections are closed, then the process
// exits 0.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import type { Firewall } from '../firewall.js';
import type { Logger } from '../log.js';
import { createApp, type AppState, type Routes } from './app.js';

export interface ServeOptions {
  port: number;
  host: string;
  /** Time between readiness turning false and the listener closing, for endpoints to update. */
  shutdownDelayMs?: number;
  /** In-flight requests still running after this are cut off. */
  shutdownTimeoutMs?: number;
  routes?: Routes;
  /** Runs before the routes for every request (see createApp). */
  middleware?: RequestHandler[];
}

export interface RunningServer {
  server: Server;
  state: AppState;
  url: string;
  shutdown(): Promise<void>;
}

export async function serve(firewall: Firewall, log: Logger, opts: ServeOptions): Promise<RunningServer> {
  const state: AppState = { ready: false, shuttingDown: false };
  const app = createApp(firewall, state, log, opts.routes, opts.middleware);
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 120_000 }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Requests in progress. Once shutdown starts and this reaches zero, every remaining connection
  // is closed: closeIdleConnections() misses sockets that were opened but never sent a request
  // (clients such as undici keep a spare one), which would otherwise hold shutdown to its timeout.
  let inflight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (_req, res) => {
    inflight++;
    res.once('close', () => {
      if (--inflight === 0) drained?.();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  state.ready = true;

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      state.shuttingDown = true;
      log.info({ delayMs: opts.shutdownDelayMs ?? 0 }, 'shutting down: readiness is now false');
      if (opts.shutdownDelayMs) await new Promise((r) => setTimeout(r, opts.shutdownDelayMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      drained = () => server.closeAllConnections();
      if (inflight === 0) drained();
      const timeout = opts.shutdownTimeoutMs ?? 25_000;
      const timer = setTimeout(() => server.closeAllConnections(), timeout);
      timer.unref();
      await closed;
      clearTimeout(timer);
      await firewall.close();
      log.info('shutdown complete');
    })());

  return { server, state, url: `http://${host}:${addr.port}`, shutdown };
}
