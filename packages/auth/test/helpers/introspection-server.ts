import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IntegrationState, TokenState } from '@eudr/events';

/**
 * A small real HTTP server on 127.0.0.1 playing auth-service's introspection endpoint:
 * `POST /internal/introspect` with `X-Service-Key`, body `{tokenHash}` → `{active, token, integration}`
 * for a known hash, `{"active": false}` otherwise. It can be taken down and brought back on the same port.
 */
export interface FakeIntrospectionServer {
  url: string;
  serviceKey: string;
  tokens: Map<string, TokenState>;
  integrations: Map<string, IntegrationState>;
  /** Hashes asked about, in order. */
  calls: string[];
  /** Closes the listener and every connection: calls then fail to connect. */
  down(): Promise<void>;
  /** Listens again on the same port (no-op while up). */
  up(): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startIntrospectionServer(): Promise<FakeIntrospectionServer> {
  const serviceKey = 'test-service-key';
  const tokens = new Map<string, TokenState>();
  const integrations = new Map<string, IntegrationState>();
  const calls: string[] = [];

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== 'POST' || req.url !== '/internal/introspect') return send(404, { error: 'NOT_FOUND' });
    if (req.headers['x-service-key'] !== serviceKey) return send(401, { error: 'INVALID_SERVICE_KEY' });
    const { tokenHash } = JSON.parse(body) as { tokenHash: string };
    calls.push(tokenHash);
    const token = tokens.get(tokenHash);
    const integration = token && integrations.get(token.integrationId);
    if (!token || !integration) return send(200, { active: false });
    return send(200, { active: true, token, integration });
  };

  let server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    url: `http://127.0.0.1:${port}`,
    serviceKey,
    tokens,
    integrations,
    calls,
    down: closeServer,
    async up() {
      if (server.listening) return;
      server = createServer((req, res) => void handler(req, res));
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close: () => (server.listening ? closeServer() : Promise.resolve()),
  };
}
