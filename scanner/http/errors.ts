// Every error the API returns has the same shape: {"error": {"code": "...", "message": "..."}}.
import type { ErrorRequestHandler, Response } from 'express';
import { RequestError } from '../scan/request.js';
import type { Logger } from '../log.js';

export function sendError(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res.status(status).json({ error: { code, message } });
}

export interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  charset?: string;
}

export interface ApiError {
  status: number;
  code: string;
  message: string;
}

/** Maps parser and validation failures to a clear 4xx answer; null when the client went away
 *  (nobody is left to answer), undefined for anything unexpected (a 500 for the caller to log). */
export function classifyError(err: BodyParserError): ApiError | null | undefined {
  if (err instanceof RequestError) return { status: err.status, code: err.code, message: err.message };
  switch (err.type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'invalid_json', message: `request body is not valid JSON: ${err.message}` };
    case 'entity.too.large':
      return { status: 413, code: 'body_too_large', message: `request body exceeds the limit of ${err.limit} bytes` };
    case 'encoding.invalid_utf8':
      return { status: 400, code: 'invalid_utf8', message: 'request body is not valid UTF-8' };
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_charset', message: `charset "${err.charset}" is not supported; send UTF-8` };
    case 'encoding.unsupported':
      return { status: 415, code: 'unsupported_encoding', message: err.message };
    case 'request.aborted':
      return null;
    case 'request.size.invalid':
      return { status: 400, code: 'invalid_content_length', message: 'request size did not match Content-Length' };
  }
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return { status: err.status, code: 'bad_request', message: err.message };
  return undefined;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: BodyParserError, req, res, _next) => {
    const known = classifyError(err);
    if (known) return sendError(res, known.status, known.code, known.message);
    if (known === null) return;
    log.error({ err, path: req.path }, 'unhandled error');
    sendError(res, 500, 'internal', 'internal error');
  };
}
