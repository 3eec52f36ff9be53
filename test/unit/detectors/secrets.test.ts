import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPlaceholder, secretsDetector, shannonEntropy } from '../../../scanner/detectors/secrets.js';
import type { ViewFinding } from '../../../scanner/detectors/types.js';
import { normalise } from '../../../scanner/normalise/normalise.js';
import { originalText } from './spans.js';

const THRESHOLD = 0.9; // default secret threshold (action: block)
const ctx = { direction: 'prompt' } as const;
const scan = (text: string) => {
  const input = normalise(text);
  return { input, findings: secretsDetector.detect(input, ctx) as ViewFinding[] };
};

// Test tokens are assembled at run time so that the source holds no string a secret scanner would flag.
const rnd = 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zQ7rT0uW2eY5iO8pA1sD4fG7hJ0kL3zX6cV9bN2mM5';
const tok = (prefix: string, n: number, alphabet = rnd) => prefix + alphabet.slice(0, n);
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9' +
  '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ' +
  '.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PEM_BODY = 'MIIEpAIBAAKCAQEA7bq3' + rnd.replace(/[^A-Za-z0-9]/g, '') + 'Qk1hT2x5YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo=';

describe('secrets: tokens and keys found, with typed placeholder and span', () => {
  const cases: Array<[string, string, string, string, number]> = [
    // [name, text, rule, exact original substring, minimum score]
    ['AWS access key id', `aws_access_key_id = ${tok('AKIA', 16, 'IOSFODNN7EXAMPLE')}`, 'aws_access_key_id', 'AKIAIOSFODNN7EXAMPLE', 0.95],
    ['AWS secret key near context', `AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCY${'EXAMPLEKEY'}`, 'aws_secret_access_key', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 0.95],
    ['GitHub classic', `token ${tok('ghp_', 36)} works`, 'github_token', tok('ghp_', 36), 0.95],
    ['GitHub app', `use ${tok('ghs_', 36)}`, 'github_token', tok('ghs_', 36), 0.95],
    ['GitHub fine-grained', `pat ${tok('github_pat_', 22)}_${rnd.slice(0, 59)}`, 'github_token', `${tok('github_pat_', 22)}_${rnd.slice(0, 59)}`, 0.95],
    ['GitLab', `GITLAB=${tok('glpat-', 20)}`, 'gitlab_token', tok('glpat-', 20), 0.95],
    ['Slack bot token', `slack ${'xoxb-'}123456789012-1234567890123-${rnd.slice(0, 24)}`, 'slack_token', `xoxb-123456789012-1234567890123-${rnd.slice(0, 24)}`, 0.95],
    ['Slack webhook', `post to https://hooks.slack.com/services/T0123ABCD/B0123ABCD/${rnd.slice(0, 24)} now`, 'slack_webhook', `https://hooks.slack.com/services/T0123ABCD/B0123ABCD/${rnd.slice(0, 24)}`, 0.95],
    ['Stripe live', `stripe ${tok('sk_live_', 24)}`, 'stripe_key', tok('sk_live_', 24), 0.95],
    ['Stripe restricted', `stripe ${tok('rk_live_', 24)}`, 'stripe_key', tok('rk_live_', 24), 0.95],
    ['Stripe test', `stripe ${tok('sk_test_', 24)}`, 'stripe_key', tok('sk_test_', 24), 0.95],
    ['Google API key', `key=${tok('AIza', 35)}&q=1`, 'google_api_key', tok('AIza', 35), 0.95],
    ['OpenAI legacy', `OPENAI_API_KEY=${tok('sk-', 48)}`, 'openai_api_key', tok('sk-', 48), 0.95],
    ['OpenAI project', `key: ${tok('sk-proj-', 64)}`, 'openai_api_key', tok('sk-proj-', 64), 0.95],
    ['Anthropic', `ANTHROPIC_API_KEY="${tok('sk-ant-api03-', 64)}"`, 'anthropic_api_key', tok('sk-ant-api03-', 64), 0.95],
    ['PEM private key', `here:\n-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----\nbye`, 'private_key', `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`, 0.95],
    ['OpenSSH private key', `-----BEGIN OPENSSH PRIVATE KEY----- ${PEM_BODY} -----END OPENSSH PRIVATE KEY-----`, 'private_key', `-----BEGIN OPENSSH PRIVATE KEY----- ${PEM_BODY} -----END OPENSSH PRIVATE KEY-----`, 0.95],
    ['JWT', `Authorization: ${JWT}`, 'jwt', JWT, 0.95],
    ['bearer token', `Authorization: Bearer ${rnd.slice(0, 40)}`, 'bearer_token', rnd.slice(0, 40), 0.9],
    ['password in a URL', 'postgres://app:S3cr3t-P4ssw0rd!@db.internal:5432/app', 'url_password', 'S3cr3t-P4ssw0rd!', 0.9],
    ['password assignment', 'password = "Xk9#mP2$vL7q"', 'password_assignment', 'Xk9#mP2$vL7q', 0.9],
    ['JSON api_key', '{"api_key": "3f2a9c7e1b4d4e8a9f6c2d7e8b1a0c5f"}', 'secret_assignment', '3f2a9c7e1b4d4e8a9f6c2d7e8b1a0c5f', 0.9],
    ['env TOKEN', 'TOKEN=Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Ng', 'secret_assignment', 'Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Ng', 0.9],
    ['env DB_PASSWORD unquoted', 'DB_PASSWORD=Tr0ub4dor&3', 'password_assignment', 'Tr0ub4dor&3', 0.9],
    ['YAML client_secret', 'client_secret: q8Zr2LmN5vT1xW7yB4cD9fG3', 'secret_assignment', 'q8Zr2LmN5vT1xW7yB4cD9fG3', 0.9],
    ['dotted config name', "config.auth.apiKey = 'Vb7nQ2wE9rT4yU1iO6pA3sD8'", 'secret_assignment', 'Vb7nQ2wE9rT4yU1iO6pA3sD8', 0.9],
  ];
  for (const [name, text, rule, expected, min] of cases)
    test(name, () => {
      const { input, findings } = scan(text);
      const f = findings.find((x) => x.rule === rule);
      assert.ok(f, `no ${rule} in ${JSON.stringify(text)}: ${JSON.stringify(findings.map((x) => [x.rule, x.score]))}`);
      assert.equal(originalText(input, f), expected);
      assert.ok(f.score >= min && f.score <= 1, `score ${f.score}`);
      assert.equal(f.category, 'secret');
      assert.equal(f.detector, 'secrets');
      assert.match(f.placeholder!, /^\[[A-Z_]+\]$/);
      assert.ok(!f.message.includes(expected), 'message must not contain the value');
    });

  test('typed placeholders', () => {
    const placeholder = (text: string) => scan(text).findings[0]?.placeholder;
    assert.equal(placeholder(tok('AKIA', 16, 'IOSFODNN7EXAMPLE')), '[AWS_ACCESS_KEY]');
    assert.equal(placeholder(tok('ghp_', 36)), '[GITHUB_TOKEN]');
    assert.equal(placeholder(JWT), '[JWT]');
    assert.equal(placeholder('password = "Xk9#mP2$vL7q"'), '[SECRET]');
  });

  test('a known token format wins over the assignment around it', () => {
    const { findings } = scan(`GITHUB_TOKEN=${tok('ghp_', 36)}`);
    assert.deepEqual(
      findings.map((f) => f.rule),
      ['github_token'],
    );
  });

  test('a secret hidden in base64 is found in the decoded view', () => {
    const encoded = Buffer.from(`export GITHUB_TOKEN=${tok('ghp_', 36)}`).toString('base64');
    const { input, findings } = scan(`run ${encoded}`);
    const f = findings.find((x) => x.rule === 'github_token')!;
    assert.equal(input.views[f.view].kind, 'base64');
    assert.equal(originalText(input, f), encoded);
  });
});

describe('secrets: no false positives', () => {
  const none: Array<[string, string]> = [
    ['nine digits', 'my order number is 123456789'],
    ['UUID', 'request 123e4567-e89b-12d3-a456-426614174000 failed'],
    ['git hashes in code', 'git checkout a94a8fe5ccb19ba61c4c0873d391e987982fbbd3 && git show 3f786850e387550fdab836ed7e6dc881de23001b'],
    ['sha256 in a lockfile', 'integrity sha512-9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043'],
    ['password from a function', 'password = getPassword()'],
    ['password length check', 'if (password.length < 8) { throw new Error("short") }'],
    ['password type', 'interface User { name: string; password: string }'],
    ['password from another field', 'password = user.password'],
    ['password from env', 'password = process.env.DB_PASSWORD'],
    ['config reference', 'self.TOKEN_URL = config.PROD_TOKEN_URL'],
    ['subscript reference', 'client_secret=self.exchange_creds["client_secret"]'],
    ['object field from a request', 'updatePassword({ password: request.body.new_password })'],
    ['placeholder changeme', 'password = "changeme"'],
    ['placeholder angle brackets', 'password = "<your-password>"'],
    ['placeholder stars', 'password = "********"'],
    ['placeholder variable', 'password = "${PASSWORD}"'],
    ['placeholder template', 'api_key: "{{ api_key }}"'],
    ['placeholder words', 'OPENAI_API_KEY=your_api_key_here'],
    ['comparison', 'if (token == other) return'],
    ['token counts', 'max_tokens: 2048, token_count = 123456789'],
    ['sk- word', 'use sk-learn style names like sk-this-is-not-a-key-at-all-really'],
    ['PEM public key', '-----BEGIN PUBLIC KEY----- MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA -----END PUBLIC KEY-----'],
    ['base64 that is not a JWT', 'eyJub3QiOiJhIHRva2VuIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc'],
    ['URL without a password', 'see https://user@example.com/path and postgres://localhost:5432/db'],
    ['URL placeholder password', 'postgres://user:password@localhost/db'],
  ];
  for (const [name, text] of none)
    test(name, () => {
      const { findings } = scan(text);
      assert.deepEqual(
        findings.map((f) => `${f.rule}:${f.score}`),
        [],
        JSON.stringify(text),
      );
    });

  test('documented example keys may still be flagged', () => {
    const { findings } = scan('AKIAIOSFODNN7EXAMPLE');
    assert.equal(findings[0]?.rule, 'aws_access_key_id');
  });

  test('low-entropy literal passwords are reported below the threshold', () => {
    for (const text of ['password = "hunter2"', 'db_password: "summer2024"']) {
      const { input, findings } = scan(text);
      assert.equal(findings.length, 1, text);
      assert.ok(findings[0].score < THRESHOLD, `${text} ${findings[0].score}`);
      assert.match(originalText(input, findings[0]), /^(hunter2|summer2024)$/);
    }
  });

  test('values that describe themselves are documentation: reported below the threshold', () => {
    for (const text of ['postgres://someuser:somepassword@somehost:5432/db', 'redisOptions: { password: "fallback-password-123" }']) {
      const { findings } = scan(text);
      assert.equal(findings.length, 1, text);
      assert.ok(findings[0].score < THRESHOLD, `${text} ${findings[0].score}`);
    }
  });

  test('a PEM header without key material is reported below the threshold', () => {
    const { findings } = scan('-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----');
    assert.equal(findings.length, 1);
    assert.ok(findings[0].score < THRESHOLD);
  });
});

describe('secrets: helpers', () => {
  test('Shannon entropy', () => {
    assert.equal(shannonEntropy(''), 0);
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.ok(shannonEntropy(rnd.slice(0, 40)) > 4.5);
  });

  test('placeholders', () => {
    for (const v of ['changeme', '<your-password>', '********', '${PASSWORD}', '{{ token }}', 'your_api_key_here', 'xxxxxxxx', 'REDACTED'])
      assert.ok(isPlaceholder(v), v);
    for (const v of ['Xk9#mP2$vL7q', 'hunter2', rnd.slice(0, 30)]) assert.ok(!isPlaceholder(v), v);
  });

  test('declares what it reads', () => {
    assert.equal(secretsDetector.name, 'secrets');
    assert.deepEqual([...secretsDetector.categories], ['secret']);
    assert.ok(!secretsDetector.views.includes('leet'));
  });
});
