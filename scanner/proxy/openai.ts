// Where the text lives in OpenAI request and response bodies, for the two endpoints the proxy
// scans: /v1/chat/completions (messages in; message or delta content out) and /v1/completions
// (prompt in; choice text out). Pure functions; everything else in a body is passed on untouched.
import type { Limits, ProxyConfig } from '../../crds/schema.js';
import { RequestError, parseScanRequest, textsOf, type Message, type ScanRequest } from '../scan/request.js';

export type Endpoint = 'chat' | 'completions';

const SYSTEM_ROLES = ['system', 'developer'];

/** What of a request body is scanned, and where each scanned message came from. */
export interface Prompt {
  /** Undefined when there is nothing to scan (say, only system messages). */
  scan?: ScanRequest;
  /** origin[k]: index in `messages` (chat) or in `prompt` (completions; -1 for a string prompt)
   *  of scan.messages[k]. */
  origin: number[];
  /** The request's system and developer messages, for the system-prompt echo check. */
  systemPrompt?: string;
  /** Why part of the prompt cannot be scanned (token-id prompts), if it cannot. */
  unscannable?: string;
}

type Body = Record<string, unknown>;

export function promptOf(endpoint: Endpoint, body: Body, proxy: ProxyConfig, limits: Limits): Prompt {
  return endpoint === 'chat' ? chatPrompt(body, proxy, limits) : completionPrompt(body, limits);
}

function chatPrompt(body: Body, proxy: ProxyConfig, limits: Limits): Prompt {
  if (!Array.isArray(body.messages)) throw new RequestError('invalid_request', 'messages: expected an array of messages');
  // Validates every message (and the limits) with the scan API's rules, so errors name messages[i].
  const all = parseScanRequest({ messages: body.messages }, limits).messages!;
  const roles = new Set(proxy.scanSystemMessages ? [...proxy.scanRoles, ...SYSTEM_ROLES] : proxy.scanRoles);
  const selected: Message[] = [];
  const origin: number[] = [];
  all.forEach((m, i) => {
    if (!roles.has(m.role)) return;
    selected.push(m);
    origin.push(i);
  });
  const system = all.filter((m) => SYSTEM_ROLES.includes(m.role));
  const systemPrompt = system.length ? textsOf({ messages: system, direction: 'prompt' }).map((t) => t.text).join('\n') : undefined;
  return { scan: selected.length ? { messages: selected, direction: 'prompt' } : undefined, origin, systemPrompt };
}

function completionPrompt(body: Body, limits: Limits): Prompt {
  const p = body.prompt;
  const strings = typeof p === 'string' ? [p] : Array.isArray(p) && p.every((x) => typeof x === 'string') ? (p as string[]) : undefined;
  if (!strings) {
    if (Array.isArray(p) && p.length > 0) return { origin: [], unscannable: 'prompt: token-id prompts cannot be scanned; send text' };
    throw new RequestError('invalid_request', 'prompt: expected a string or an array of strings');
  }
  if (strings.length === 0) return { origin: [] };
  const scan = parseScanRequest({ messages: strings.map((content) => ({ role: 'user', content })) }, limits, 'prompt');
  return { scan, origin: typeof p === 'string' ? [-1] : strings.map((_, i) => i) };
}

/** The request body with the scanned messages replaced by their redacted versions. */
export function withRedactedPrompt(endpoint: Endpoint, body: Body, prompt: Prompt, redacted: readonly Message[]): Body {
  if (endpoint === 'completions') {
    if (prompt.origin[0] === -1) return { ...body, prompt: redacted[0].content };
    const strings = [...(body.prompt as string[])];
    prompt.origin.forEach((at, k) => (strings[at] = redacted[k].content as string));
    return { ...body, prompt: strings };
  }
  const messages = [...(body.messages as Body[])];
  prompt.origin.forEach((at, k) => (messages[at] = { ...messages[at], content: redacted[k].content }));
  return { ...body, messages };
}

/** Names a scanned message in the caller's terms: "messages[3]" or "prompt[1]". */
export function paramOf(endpoint: Endpoint, prompt: Prompt, scanned: number | undefined): string | null {
  if (scanned === undefined) return endpoint === 'chat' ? 'messages' : 'prompt';
  const at = prompt.origin[scanned];
  return endpoint === 'chat' ? `messages[${at}]` : at === -1 ? 'prompt' : `prompt[${at}]`;
}

/** A choice's index and text: message.content or delta.content (chat), text (completions). */
export function choiceTextOf(endpoint: Endpoint, choice: unknown, form: 'whole' | 'stream'): { index: number; text: string } | undefined {
  if (!choice || typeof choice !== 'object') return undefined;
  const c = choice as { index?: unknown; text?: unknown; message?: { content?: unknown }; delta?: { content?: unknown } };
  const text = endpoint === 'completions' ? c.text : form === 'whole' ? c.message?.content : c.delta?.content;
  if (typeof text !== 'string') return undefined;
  return { index: typeof c.index === 'number' ? c.index : 0, text };
}

/** The choice with its text replaced. */
export function withChoiceText(endpoint: Endpoint, choice: unknown, text: string, form: 'whole' | 'stream'): unknown {
  const c = choice as Body;
  if (endpoint === 'completions') return { ...c, text };
  const field = form === 'whole' ? 'message' : 'delta';
  return { ...c, [field]: { ...(c[field] as Body), content: text } };
}
