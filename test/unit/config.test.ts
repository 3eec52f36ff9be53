import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configEnvVars, loadConfig, parseConfig } from '../../scanner/config/load.js';

const tmp = (name: string, content: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'pf-config-')), name);
  writeFileSync(file, content);
  return file;
};

describe('config', () => {
  it('has embedded defaults', () => {
    const { config } = loadConfig();
    assert.equal(config.policy.mode, 'enforce');
    assert.equal(config.policy.failMode, 'closed');
    assert.deepEqual(config.policy.categories.pii, { threshold: 0.8, action: 'redact' });
    assert.deepEqual(config.cache.l1, { enabled: true, maxEntries: 1000, ttlSeconds: 60 });
    assert.equal(config.policy.limits.maxBodyBytes, 1024 * 1024);
  });

  it('reads YAML and JSON, keeping defaults for what is left out', () => {
    const y = loadConfig({ file: tmp('p.yaml', 'policy:\n  mode: monitor\n  categories:\n    pii: {action: block}\n') }).config;
    assert.equal(y.policy.mode, 'monitor');
    assert.deepEqual(y.policy.categories.pii, { threshold: 0.8, action: 'block' });
    assert.equal(y.policy.categories.secret.threshold, 0.9);
    const j = loadConfig({ file: tmp('p.json', '{"cache": {"l1": {"ttlSeconds": 5}}}') }).config;
    assert.equal(j.cache.l1.ttlSeconds, 5);
  });

  it('accepts a whole PromptFirewall resource and uses its spec', () => {
    const doc = 'apiVersion: promptfirewall.io/v1alpha1\nkind: PromptFirewall\nmetadata: {name: x}\nspec:\n  policy: {failMode: open}\n';
    assert.equal(loadConfig({ file: tmp('pfw.yaml', doc) }).config.policy.failMode, 'open');
  });

  it('applies environment overrides derived from the schema', () => {
    const names = configEnvVars().map((l) => l.env);
    assert.ok(names.includes('PF_POLICY_FAIL_MODE'));
    assert.ok(names.includes('PF_POLICY_CATEGORIES_PROMPT_INJECTION_THRESHOLD'));
    assert.ok(names.includes('PF_CACHE_L1_TTL_SECONDS'));
    const c = parseConfig('policy: {mode: enforce}', 'x', { PF_POLICY_MODE: 'monitor', PF_CACHE_L1_ENABLED: 'false', PF_POLICY_CATEGORIES_PII_THRESHOLD: '0.6' });
    assert.equal(c.policy.mode, 'monitor');
    assert.equal(c.cache.l1.enabled, false);
    assert.equal(c.policy.categories.pii.threshold, 0.6);
  });

  it('rejects bad configuration with the file and field named', () => {
    assert.throws(() => loadConfig({ file: tmp('bad.yaml', 'policy:\n  categories:\n    pii: {threshold: 1.5}\n') }), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /bad\.yaml/);
      assert.match(e.message, /policy\.categories\.pii\.threshold/);
      return true;
    });
    assert.throws(() => parseConfig('policy: {mode: loud}'), /policy\.mode/);
    assert.throws(() => parseConfig('policy: [1, 2'), /not valid YAML/);
    assert.throws(() => parseConfig('', undefined, { PF_POLICY_DETECTOR_TIMEOUT_MS: 'soon' }), /PF_POLICY_DETECTOR_TIMEOUT_MS must be a number/);
    assert.throws(() => loadConfig({ file: '/nonexistent/policy.yaml' }), /cannot read config file/);
    assert.throws(() => parseConfig('kind: PromptFirewall\napiVersion: v1\n'), /apiVersion promptfirewall\.io/);
  });
});
