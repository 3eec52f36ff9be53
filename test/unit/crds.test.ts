import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CHART_CRD_FILE, CRD_FILE, crdManifest, renderCrdYaml } from '../../crds/generate.js';
import { PromptFirewallSpecSchema } from '../../crds/schema.js';

describe('PromptFirewall CRD', () => {
  it('committed crds/promptfirewall.yaml matches the schema (run `npm run crds` if this fails)', () => {
    assert.equal(readFileSync(CRD_FILE, 'utf8'), renderCrdYaml());
  });

  it("the Helm chart's crds/promptfirewall.yaml is the same file (run `npm run crds` if this fails)", () => {
    assert.equal(readFileSync(CHART_CRD_FILE, 'utf8'), renderCrdYaml());
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
      for (const key of ['items', 'additionalProperties'] as const) {
        const sub = node[key];
        if (sub && typeof sub === 'object') walk(sub as Record<string, unknown>, `${path}.${key}`);
      }
      // A structural schema allows anyOf only as value checks without types (int-or-string).
      for (const alt of (node.anyOf ?? []) as Array<Record<string, unknown>>)
        assert.ok(node['x-kubernetes-int-or-string'] || !('type' in alt), `${path} has a typed anyOf`);
      assert.notEqual(node.type, 'null', `${path} has type null`);
    };
    const root = (crdManifest() as any).spec.versions[0].schema.openAPIV3Schema.properties;
    walk(root.spec, 'spec');
    walk(root.status, 'status');
  });

  it('has a status subresource, printer columns Ready, Replicas, Endpoint, Age, and conditions keyed by type', () => {
    const version = (crdManifest() as any).spec.versions[0];
    assert.deepEqual(version.subresources, { status: {} });
    const shown = version.additionalPrinterColumns.filter((c: { priority?: number }) => !c.priority).map((c: { name: string }) => c.name);
    assert.deepEqual(shown, ['Ready', 'Replicas', 'Endpoint', 'Age']);
    const conditions = version.schema.openAPIV3Schema.properties.status.properties.conditions;
    assert.equal(conditions['x-kubernetes-list-type'], 'map');
    assert.deepEqual(conditions.items.required.sort(), ['lastTransitionTime', 'message', 'reason', 'status', 'type']);
  });

  it('renders int-or-string, free-form objects and maps the way a structural schema needs', () => {
    const spec = (crdManifest() as any).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    const maxUnavailable = spec.podDisruptionBudget.properties.maxUnavailable;
    assert.equal(maxUnavailable['x-kubernetes-int-or-string'], true);
    assert.deepEqual(maxUnavailable.anyOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.equal(spec.placement.properties.affinity['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(spec.placement.properties.affinity.properties, undefined);
    assert.deepEqual(spec.placement.properties.nodeSelector.additionalProperties, { type: 'string' });
    assert.ok(!JSON.stringify(spec).includes('propertyNames'));
  });

  it('accepts an empty spec and fills every default', () => {
    const spec = PromptFirewallSpecSchema.parse({});
    assert.equal(spec.policy.categories.prompt_injection.threshold, 0.5);
    assert.equal(spec.cache.l1.maxEntries, 1000);
    assert.deepEqual(spec.replicas, { min: 2, max: 10 });
    assert.deepEqual(spec.autoscaling, { targetCPUUtilization: 70, scaleDownBelowCPUUtilization: 30, scaleUpCooldownSeconds: 300, scaleDownCooldownSeconds: 600 });
    assert.deepEqual(spec.healthCheck, { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 });
    assert.equal(spec.resources.requests.cpu, '500m');
    assert.equal(spec.service.port, 8080);
  });

  it('refuses what the CEL rules refuse, at runtime too where zod can say it', () => {
    assert.equal(PromptFirewallSpecSchema.safeParse({ podDisruptionBudget: { maxUnavailable: '25%' } }).success, true);
    assert.equal(PromptFirewallSpecSchema.safeParse({ podDisruptionBudget: { maxUnavailable: 'half' } }).success, false);
    assert.equal(PromptFirewallSpecSchema.safeParse({ model: { custom: { subPath: '../etc', configMap: { name: 'm' } } } }).success, false);
    assert.equal(PromptFirewallSpecSchema.safeParse({ model: { custom: { subPath: 'onnx/int8', configMap: { name: 'm' } } } }).success, true);
  });
});
