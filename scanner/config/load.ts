// Scanner configuration: a YAML or JSON file in the shape of the PromptFirewall spec (what the
// operator renders into a ConfigMap), then environment overrides, validated by the one schema.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { API_GROUP, KIND, ScannerConfigSchema, type ScannerConfig } from '../../crds/schema.js';
import { describeZodError } from '../scan/request.js';

export class ConfigError extends Error {}

export interface ConfigSource {
  /** Path of the YAML/JSON file; absent means embedded defaults. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(source: ConfigSource = {}): { config: ScannerConfig; raw: string } {
  let raw = '';
  if (source.file) {
    try {
      raw = readFileSync(source.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${source.file}: ${(err as Error).message}`);
    }
  }
  return { config: parseConfig(raw, source.file, source.env), raw };
}

/** Validates configuration text (empty text means embedded defaults) plus environment overrides. */
export function parseConfig(raw: string, file?: string, env: NodeJS.ProcessEnv = {}): ScannerConfig {
  let doc: unknown = {};
  if (raw.trim()) {
    try {
      doc = parseYaml(raw) ?? {};
    } catch (err) {
      throw new ConfigError(`config file ${file ?? ''} is not valid YAML or JSON: ${(err as Error).message}`);
    }
    doc = unwrapResource(doc);
  }
  const r = ScannerConfigSchema.safeParse(applyEnvOverrides(doc, env));
  if (!r.success) throw new ConfigError(`invalid configuration${file ? ` in ${file}` : ''}: ${describeZodError(r.error)}`);
  return r.data;
}

/** A whole PromptFirewall resource is accepted too: its spec is the configuration. */
function unwrapResource(doc: unknown): unknown {
  if (doc && typeof doc === 'object' && (doc as { kind?: unknown }).kind === KIND) {
    const apiVersion = String((doc as { apiVersion?: unknown }).apiVersion ?? '');
    if (!apiVersion.startsWith(`${API_GROUP}/`)) throw new ConfigError(`a ${KIND} must have apiVersion ${API_GROUP}/…, got "${apiVersion}"`);
    return (doc as { spec?: unknown }).spec ?? {};
  }
  return doc;
}

interface Leaf {
  path: string[];
  env: string;
  type: 'string' | 'number' | 'integer' | 'boolean';
}

const toEnvName = (path: string[]) => `PF_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;

/** Every scalar field of the configuration, with the environment variable that overrides it:
 *  policy.failMode → PF_POLICY_FAIL_MODE, cache.l1.ttlSeconds → PF_CACHE_L1_TTL_SECONDS. */
export function configEnvVars(): Leaf[] {
  const schema = z.toJSONSchema(ScannerConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: Leaf[] = [];
  const walk = (s: JsonSchema, path: string[]) => {
    if (s.type === 'object' && s.properties) {
      for (const [k, v] of Object.entries(s.properties)) walk(v, [...path, k]);
    } else if (s.type === 'string' || s.type === 'number' || s.type === 'integer' || s.type === 'boolean') {
      out.push({ path, env: toEnvName(path), type: s.type });
    }
  };
  walk(schema, []);
  return out;
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
}

let leaves: Leaf[] | undefined;

export function applyEnvOverrides(doc: unknown, env: NodeJS.ProcessEnv): unknown {
  leaves ??= configEnvVars();
  let out = doc;
  for (const leaf of leaves) {
    const value = env[leaf.env];
    if (value === undefined || value === '') continue;
    out = setPath(out, leaf.path, coerce(value, leaf));
  }
  return out;
}

function coerce(value: string, leaf: Leaf): unknown {
  if (leaf.type === 'boolean') {
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    throw new ConfigError(`${leaf.env} must be true or false, got "${value}"`);
  }
  if (leaf.type === 'number' || leaf.type === 'integer') {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new ConfigError(`${leaf.env} must be a number, got "${value}"`);
    return n;
  }
  return value;
}

function setPath(doc: unknown, path: string[], value: unknown): unknown {
  const base = doc && typeof doc === 'object' && !Array.isArray(doc) ? { ...(doc as Record<string, unknown>) } : {};
  const [head, ...rest] = path;
  base[head] = rest.length === 0 ? value : setPath(base[head], rest, value);
  return base;
}
