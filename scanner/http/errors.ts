// Every error the API returns has the same shape: {"error": {"code": "...", "message": "..."}}.
import type { ErrorRequestHandler, Response } from 'express';
import { RequestError } from '../scan/request.js';
import type { Logger } from '../log.js';

export function sendError(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res.status(status).json({ error: { code, message } });
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  charset?: string;
}

/** Maps parser and validation failures to clear 4xx answers; anything else is a logged 500. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: BodyParserError, req, res, _next) => {
    if (err instanceof RequestError) return sendError(res, err.status, err.code, err.message);
    switch (err.type) {
      case 'entity.parse.failed':
        return sendError(res, 400, 'invalid_json', `request body is not valid JSON: ${err.message}`);
      case 'entity.too.large':
        return sendError(res, 413, 'body_too_large', `request body exceeds the limit of ${err.limit} bytes`);
      case 'encoding.invalid_utf8':
        return sendError(res, 400, 'invalid_utf8', 'request body is not valid UTF-8');
      case 'charset.unsupported':
        return sendError(res, 415, 'unsupported_charset', `charset "${err.charset}" is not supported; send UTF-8`);
      case 'encoding.unsupported':
        return sendError(res, 415, 'unsupported_encoding', err.message);
      case 'request.aborted':
        return; // the client went away; nobody is left to answer
      case 'request.size.invalid':
        return sendError(res, 400, 'invalid_content_length', 'request size did not match Content-Length');
    }
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return sendError(res, err.status, 'bad_request', err.message);
    log.error({ err, path: req.path }, 'unhandled error');
    sendError(res, 500, 'internal', 'internal error');
  };
}
