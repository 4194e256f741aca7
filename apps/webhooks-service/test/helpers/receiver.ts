import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got, with its raw body as sent. */
export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** `Date.now()` when the body had been read. */
  at: number;
  /** The status the receiver answered. */
  status: number;
}

/** Decides the status of each request; `index` counts requests with the same X-Webhook-Delivery. */
export type Responder = (request: Omit<ReceivedRequest, 'status'>, index: number) => number;

/** A webhook receiver on 127.0.0.1 that records every request. */
export interface Receiver {
  /** `http://127.0.0.1:<port>/hooks`. */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  setResponder(responder: Responder): void;
  /** Requests per X-Webhook-Delivery. */
  byDelivery(): Map<string, ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * Starts a receiver (answering 200 unless told otherwise), on `port` when given, each answer after
 * `delayMs` (default at once; a request is recorded when its body has arrived).
 */
export async function startReceiver(
  options: { port?: number; responder?: Responder; delayMs?: number } = {},
): Promise<Receiver> {
  let responder: Responder = options.responder ?? (() => 200);
  const requests: ReceivedRequest[] = [];
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      const key = String(req.headers['x-webhook-delivery'] ?? '');
      const index = seen.get(key) ?? 0;
      seen.set(key, index + 1);
      const status = responder(received, index);
      requests.push({ ...received, status });
      const answer = () => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      if (options.delayMs === undefined) answer();
      else setTimeout(answer, options.delayMs);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    requests,
    setResponder(next) {
      responder = next;
    },
    byDelivery() {
      const map = new Map<string, ReceivedRequest[]>();
      for (const request of requests) {
        const key = String(request.headers['x-webhook-delivery']);
        map.set(key, [...(map.get(key) ?? []), request]);
      }
      return map;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
