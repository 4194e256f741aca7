import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createGuardedLookup, normalizeHost, systemResolveAll } from '../subscriptions/target-policy';
import type { ResolveAll, TargetPolicy } from '../subscriptions/target-policy';

/** One HTTP request to a receiver. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** How one attempt went. */
export interface AttemptOutcome {
  /** A 2xx status arrived within the timeout. */
  ok: boolean;
  /** The receiver's status, or null when none arrived (refused, unreachable, timed out). */
  statusCode: number | null;
  durationMs: number;
  /** Why it failed, for the delivery history; null on success. Never quotes the response body. */
  error: string | null;
}

/** Sends webhook requests; see {@link createWebhookSender}. */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<AttemptOutcome>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

/** Options of {@link createWebhookSender}. */
export interface CreateWebhookSenderOptions {
  policy: TargetPolicy;
  timeoutMs: number;
  /** Connections per receiver (host and port) held open; default 16. */
  maxSocketsPerHost?: number;
  /** Host name resolution; default the system resolver. Tests inject a fake one. */
  resolveAll?: ResolveAll;
}

const MAX_ERROR_LENGTH = 300;

function describeError(err: unknown, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const error = err as NodeJS.ErrnoException;
  const text = error.code === 'ETARGETREFUSED' ? error.message : `${error.code ?? 'error'}: ${error.message}`;
  return text.slice(0, MAX_ERROR_LENGTH);
}

/**
 * POSTs webhook requests over keep-alive connections (one pool per receiver), with these rules:
 *
 * - The address connected to is checked against the target policy at connect time: IP literals before
 *   the request, host names through {@link createGuardedLookup} (resolve, check, connect to exactly the
 *   checked address), so neither a changed DNS record nor a changed policy is bypassed.
 * - Success is a 2xx status line within `timeoutMs`. Redirects are not followed (a 3xx is a failure):
 *   following one would let a receiver point deliveries at an address that was never checked.
 * - The response body is read and discarded (so the connection can be reused) but never stored: a
 *   receiver must not be able to fill the delivery history. A body still streaming at the deadline is
 *   cut off.
 */
export function createWebhookSender(options: CreateWebhookSenderOptions): WebhookSender {
  const { policy, timeoutMs } = options;
  const lookup = createGuardedLookup(policy, options.resolveAll ?? systemResolveAll);
  const agentOptions = { keepAlive: true, maxSockets: options.maxSocketsPerHost ?? 16, lookup };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

  function send(request: WebhookRequest): Promise<AttemptOutcome> {
    const started = performance.now();
    const finish = (ok: boolean, statusCode: number | null, error: string | null): AttemptOutcome => ({
      ok,
      statusCode,
      durationMs: Math.round(performance.now() - started),
      error,
    });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.resolve(finish(false, null, 'the URL is not valid'));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.resolve(finish(false, null, 'only http and https URLs are delivered to'));
    }
    const host = normalizeHost(url.hostname);
    if (isIP(host) !== 0) {
      // Literal addresses never reach `lookup`, so they are checked here.
      const reason = policy.refusal(host, host);
      if (reason !== null) return Promise.resolve(finish(false, null, `target refused: ${reason}`));
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let settled = false;
      let timedOut = false;
      const settle = (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const req = transport.request(url, {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      });
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error('timeout'));
      }, timeoutMs);
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        settle(finish(ok, status, ok ? null : `the receiver answered ${status}`));
        res.resume();
        res.on('end', () => clearTimeout(timer));
        res.on('error', () => clearTimeout(timer));
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        settle(finish(false, null, describeError(err, timeoutMs, timedOut)));
      });
      req.end(request.body);
    });
  }

  return {
    send,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
