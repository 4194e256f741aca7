import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { NotFoundError, UnsupportedMediaTypeError } from './errors';
import type { AppError, ErrorCode } from './errors';
import { toAppError } from './error-mapping';
import { getRequestId } from './request-id';

/** The error envelope every failed request gets. `details` appears only when the error has some. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
  requestId?: string;
  details?: unknown;
}

/** The error code sent for a response, kept for the request log line. */
const ERROR_CODE_LOCAL = 'errorCode';

/** The error code a response was sent with, if it was an error response. */
export function getResponseErrorCode(res: Response): ErrorCode | undefined {
  return (res.locals as Record<string, ErrorCode | undefined>)[ERROR_CODE_LOCAL];
}

/**
 * Sends `error` as the API envelope `{"error", "message", "requestId"}` with its status and headers.
 * For handlers and middleware that answer an error themselves instead of passing it to `next`.
 */
export function sendError(req: Request, res: Response, error: AppError): void {
  const requestId = getRequestId(req);
  const body: ErrorBody = { error: error.code, message: error.message };
  if (requestId !== undefined) body.requestId = requestId;
  if (error.details !== undefined) body.details = error.details;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  (res.locals as Record<string, unknown>)[ERROR_CODE_LOCAL] = error.code;
  res.status(error.status).json(body);
}

/**
 * The last middleware of every app: maps any error (see `toAppError`) and renders the envelope.
 * 5xx errors are logged at `error` with their stack and cause; the client only sees the code, the
 * message written for it, and the request id to quote. Other errors are logged at `debug` (the
 * request log line already records their status and code).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const appError = toAppError(err);
    const log = (req as { log?: Logger }).log ?? logger;
    if (appError.status >= 500) {
      log.error(
        { err: err instanceof Error ? err : appError, errorCode: appError.code, context: appError.context },
        'request failed',
      );
    } else {
      log.debug(
        { errorCode: appError.code, context: appError.context, reason: appError.message },
        'request rejected',
      );
    }
    if (res.headersSent) {
      // Too late for an envelope: let Express end the connection so the client sees a truncated response.
      next(err);
      return;
    }
    sendError(req, res, appError);
  };
}

/** Answers 404 NOT_FOUND for any request no route handled. Mount after the routes. */
export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(new NotFoundError(`No route for ${req.method} ${req.path.slice(0, 200)}.`));
  };
}

function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * Rejects a request that carries a body whose Content-Type is not JSON (`application/json` or
 * `application/*+json`) with 415 UNSUPPORTED_MEDIA_TYPE. Without it, Express leaves such a body
 * unparsed and the handler sees no body at all, which surfaces as a misleading "field is required".
 * Requests without a body (GET, or a POST with `Content-Length: 0`) pass.
 */
export function requireJsonContentType(): RequestHandler {
  return (req, _res, next) => {
    if (hasBody(req) && req.is(['application/json', 'application/*+json']) === false) {
      const sent = req.headers['content-type'];
      next(
        new UnsupportedMediaTypeError(
          sent === undefined
            ? 'The request has a body but no Content-Type: send it as Content-Type: application/json.'
            : 'The request body must be sent as Content-Type: application/json.',
        ),
      );
      return;
    }
    next();
  };
}
