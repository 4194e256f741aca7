import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { getResponseErrorCode } from './error-handler.middleware';
import { getRouteTemplate } from './metrics';
import { getRequestId } from './request-id';

/** Paths probed every few seconds by orchestrators and scrapers; their success lines are not logged. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Longest path and header value written to a log line. Both come from the client (up to Node's 16 KB
 * of headers); a line holds their start and how much was cut, which is enough to recognise a request
 * without letting a client size the log or the work of scrubbing it.
 */
const MAX_LOGGED_PATH = 512;
const MAX_LOGGED_HEADER = 256;

/** `value` cut to `max` characters, with the number of characters left out. */
function truncateForLog(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}…(+${value.length - max} chars)`;
}

/** The path without its query string: query strings may carry secrets (`?token=`), paths do not. */
function pathOf(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Only these request headers are logged; everything else (authorization, cookies, custom keys) is not. */
const LOGGED_HEADERS = ['user-agent', 'content-type', 'content-length', 'x-forwarded-for'] as const;

function serializeRequest(req: IncomingMessage): Record<string, unknown> {
  const headers: Record<string, string | string[]> = {};
  for (const name of LOGGED_HEADERS) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = truncateForLog(String(value), MAX_LOGGED_HEADER);
  }
  return {
    method: req.method,
    path: truncateForLog(pathOf(req), MAX_LOGGED_PATH),
    headers,
    remoteAddress: req.socket?.remoteAddress,
  };
}

function serializeResponse(res: ServerResponse): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

/**
 * pino-http configured for the API: one line per finished request with method, path (no query
 * string), an allowlist of headers, status, duration, route template and error code; `requestId` on
 * every line, including those handlers write through `req.log`. Levels: 5xx `error`, 4xx `warn`, else
 * `info`; successful probes of /healthz, /readyz and /metrics are not logged. Mount after
 * `requestIdMiddleware`.
 */
export function httpLoggerMiddleware(logger: Logger): RequestHandler {
  const middleware = pinoHttp({
    logger,
    genReqId: (req) => getRequestId(req) ?? randomUUID(),
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    wrapSerializers: false,
    serializers: { req: serializeRequest, res: serializeResponse },
    autoLogging: { ignore: (req) => QUIET_PATHS.has(pathOf(req)) },
    customLogLevel: (_req, res, err) =>
      err !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    customSuccessMessage: (req, res) =>
      `${req.method} ${truncateForLog(pathOf(req), MAX_LOGGED_PATH)} ${res.statusCode}`,
    customErrorMessage: (req, res) =>
      `${req.method} ${truncateForLog(pathOf(req), MAX_LOGGED_PATH)} ${res.statusCode}`,
    customSuccessObject: (req, res, value: Record<string, unknown>) => ({
      ...value,
      route: getRouteTemplate(req),
      errorCode: getResponseErrorCode(res as Response),
    }),
    customErrorObject: (req, res, error, value: Record<string, unknown>) => {
      // pino-http invents an Error for every 5xx; the error handler has already logged the real one.
      const { err: _synthetic, ...rest } = value;
      const real = error.message.startsWith('failed with status code') ? undefined : error;
      return {
        ...rest,
        err: real,
        route: getRouteTemplate(req),
        errorCode: getResponseErrorCode(res as Response),
      };
    },
  });
  return middleware as unknown as RequestHandler;
}
