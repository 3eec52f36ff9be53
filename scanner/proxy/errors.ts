// Errors of the proxy routes, in the shape OpenAI's API uses, so official clients raise their usual
// exceptions: {"error": {"message", "type", "code", "param"}}. In a stream the same object is sent
// as a final `data:` event, which the clients also turn into an APIError.
import type { Response } from 'express';

export type OpenAIErrorType = 'invalid_request_error' | 'not_found_error' | 'server_error';

export class OpenAIError extends Error {
  constructor(
    readonly status: number,
    readonly type: OpenAIErrorType,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  toJSON(): { error: { message: string; type: OpenAIErrorType; code: string; param: string | null } } {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export const typeForStatus = (status: number): OpenAIErrorType => (status === 404 ? 'not_found_error' : status >= 500 ? 'server_error' : 'invalid_request_error');

export function sendOpenAIError(res: Response, err: OpenAIError): void {
  if (res.headersSent) return;
  res.status(err.status).json(err.toJSON());
}

/** The last event of a stream that the firewall cut. */
export const sseError = (err: OpenAIError): string => `data: ${JSON.stringify(err.toJSON())}\n\n`;
