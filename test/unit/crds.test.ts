import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CRD_FILE, crdManifest, renderCrdYaml } from '../../crds/generate.js';
import { PromptFirewallSpecSchema } from '../../crds/schema.js';

describe('PromptFirewall CRD', () => {
  it('committed crds/promptfirewall.yaml matches the schema (run `npm run crds` if this fails)', () => {
    assert.equal(readFileSync(CRD_FILE, 'utf8'), renderCrdYaml());
  });

  it('names the API as the brief says', () => {
    const crd = parse(readFileSync(CRD_FILE, 'utf8'));
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.metadata.name, 'promptfirewalls.promptfirewall.io');
    assert.equal(crd.spec.names.kind, 'PromptFirewall');
    assert.deepEqual(crd.spec.names.shortNames, ['pfw']);
    assert.equal(crd.spec.versions[0].name, 'v1alpha1');
  });

  it('is a structural schema: every node typed, no additionalProperties:false, every field described', () => {
    const walk = (node: Record<string, unknown>, path: string) => {
      assert.ok(node.type || node['x-kubernetes-preserve-unknown-fields'] || node['x-kubernetes-int-or-string'], `${path} has no type`);
      assert.notEqual(node.additionalProperties, false, `${path} has additionalProperties: false`);
      assert.ok(!('$schema' in node), `${path} has $schema`);
      for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        assert.ok(typeof v.description === 'string' && v.description.length > 0, `${path}.${k} has no description`);
        walk(v, `${path}.${k}`);
      }
    };
    const schema = (crdManifest() as any).spec.versions[0].schema.openAPIV3Schema.properties.spec;
    walk(schema, 'spec');
  });

  it('accepts an empty spec and fills every default', () => {
    const spec = PromptFirewallSpecSchema.parse({});
    assert.equal(spec.policy.categories.prompt_injection.threshold, 0.5);
    assert.equal(spec.cache.l1.maxEntries, 1000);
  });
});
