// The body of POST /v1/scan and of each item of /v1/scan/batch, and the texts it carries.
import { z } from 'zod';
import type { Limits } from '../../crds/schema.js';

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
// Other parts (images, audio) carry no text to scan; they are accepted and ignored.
const OtherPart = z.looseObject({ type: z.string().refine((t) => t !== 'text', 'a text part needs a "text" string') });

const Message = z.looseObject({
  role: z.string().min(1),
  content: z.union(
    [z.string(), z.array(z.union([TextPart, OtherPart], { error: 'expected a content part: {"type": "text", "text": "..."} or another typed part' })), z.null()],
    { error: 'expected a string, an array of content parts, or null' },
  ),
});

export const Metadata = z
  .object({
    app: z.string().max(256).optional(),
    user: z.string().max(256).optional(),
    session: z.string().max(256).optional(),
  })
  .strict();

export const ScanRequestSchema = z
  .object({
    input: z.string().optional(),
    messages: z.array(Message).min(1).optional(),
    direction: z.enum(['prompt', 'response']).default('prompt'),
    metadata: Metadata.optional(),
  })
  .strict()
  .refine((r) => (r.input === undefined) !== (r.messages === undefined), {
    message: 'exactly one of "input" or "messages" is required',
    path: ['input'],
  });

export const BatchRequestSchema = z.object({ items: z.array(z.unknown()).min(1) }).strict();

export type ScanRequest = z.output<typeof ScanRequestSchema>;
export type Message = z.output<typeof Message>;

/** One scannable text of a request; `message`/`part` locate it inside `messages`. */
export interface TextItem {
  text: string;
  message?: number;
  part?: number;
}

export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Joins a field path onto an optional prefix: at('items[1]', 'input') → "items[1].input". */
const at = (prefix: string, path: string) => (prefix && path && !path.startsWith('[') ? `${prefix}.${path}` : prefix + path);

/** "messages[2].content[0].text: expected string, received number" */
export function describeZodError(err: z.ZodError, prefix = ''): string {
  const issue = err.issues[0];
  const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
  return `${at(prefix, path) || 'body'}: ${issue.message}`;
}

export function parseScanRequest(body: unknown, limits: Limits, prefix = ''): ScanRequest {
  const r = ScanRequestSchema.safeParse(body);
  if (!r.success) throw new RequestError('invalid_request', describeZodError(r.error, prefix));
  const req = r.data;
  if (req.messages && req.messages.length > limits.maxMessages)
    throw new RequestError('too_many_messages', `${at(prefix, 'messages')}: at most ${limits.maxMessages} messages per scan, got ${req.messages.length}`);
  for (const item of textsOf(req)) {
    if (item.text.length > limits.maxInputChars) {
      const where = item.message === undefined ? 'input' : `messages[${item.message}].content${item.part === undefined ? '' : `[${item.part}].text`}`;
      throw new RequestError('input_too_long', `${at(prefix, where)}: at most ${limits.maxInputChars} characters, got ${item.text.length}`);
    }
  }
  return req;
}

export function textsOf(req: ScanRequest): TextItem[] {
  if (req.input !== undefined) return [{ text: req.input }];
  const out: TextItem[] = [];
  req.messages!.forEach((m, i) => {
    if (typeof m.content === 'string') out.push({ text: m.content, message: i });
    else if (Array.isArray(m.content))
      m.content.forEach((p, j) => {
        if (p.type === 'text' && typeof p.text === 'string') out.push({ text: p.text, message: i, part: j });
      });
  });
  return out;
}
