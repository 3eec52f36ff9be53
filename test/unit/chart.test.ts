// The Helm chart's files that need no helm binary: versions, values.yaml against
// values.schema.json (every value declared and commented). The chart against a real API server is
// test/integration/chart.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CHART_DIR } from '../../deploy/generate.js';
import { REPO_ROOT } from '../harness/scanner-process.js';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; $ref?: string; additionalProperties?: unknown };
const read = (file: string) => readFileSync(path.join(CHART_DIR, file), 'utf8');
const schema = JSON.parse(read('values.schema.json')) as Schema & { definitions: Record<string, Schema> };
const resolve = (s: Schema): Schema => {
  if (!s.$ref) return s;
  // #/definitions/a/properties/b …: follow the pointer from the root.
  const target = s.$ref.slice(2).split('/').reduce<any>((o, k) => o[k], schema);
  return resolve(target);
};
/** The schema of a dotted path of declared properties; undefined where the path leaves them. */
const declared = (keys: string[]): Schema | undefined => keys.reduce<Schema | undefined>((s, k) => (s ? resolve(s).properties?.[k] : undefined), schema);

describe('Helm chart files', () => {
  it("Chart.yaml's version and appVersion are package.json's", () => {
    const chart = parse(read('Chart.yaml'));
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.equal(chart.version, pkg.version);
    assert.equal(chart.appVersion, pkg.version);
  });

  it('values.yaml: every value is declared by values.schema.json and has a comment above it', () => {
    const stack: Array<{ indent: number; key: string }> = [];
    let previous = '';
    const leaves: string[] = [];
    for (const line of read('values.yaml').split('\n')) {
      const m = /^(\s*)([A-Za-z_][\w.-]*):(.*)$/.exec(line);
      if (m) {
        const indent = m[1].length;
        while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
        const keys = [...stack.map((s) => s.key), m[2]];
        stack.push({ indent, key: m[2] });
        const parent = keys.length === 1 ? schema : declared(keys.slice(0, -1));
        const freeForm = !parent || !resolve(parent).properties; // an example inside a commented object (resources, securityContext …)
        if (!freeForm) {
          assert.ok(declared(keys), `${keys.join('.')} is not in values.schema.json`);
          if (m[3].trim() !== '') {
            leaves.push(keys.join('.'));
            assert.match(previous, /^\s*#/, `${keys.join('.')} has no comment above it`);
          }
        }
      }
      if (line.trim() !== '') previous = line;
    }
    assert.ok(leaves.length > 40, `${leaves.length} values checked`);
  });

  it('values.schema.json declares nothing values.yaml lacks', () => {
    const values = parse(read('values.yaml'));
    const walk = (s: Schema, v: unknown, at: string) => {
      for (const [k, sub] of Object.entries(resolve(s).properties ?? {})) {
        const child = (v as Record<string, unknown>)[k];
        if (k === 'claims') continue; // resources.claims: Kubernetes' own field, no default
        assert.notEqual(child, undefined, `${at}${k} is declared but has no default in values.yaml`);
        if (child && typeof child === 'object' && !Array.isArray(child)) walk(sub, child, `${at}${k}.`);
      }
    };
    walk(schema, values, '');
  });
});
