// Pure logic of the shared-state parts: circuit breaker, Redis options, token bucket, CIDR sets,
// API key files, partitions, quantities, audit records and query building.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCidr, ScannerConfigSchema } from '../../crds/schema.js';
import { CircuitBreaker } from '../../scanner/redis/breaker.js';
import { redisSetup } from '../../scanner/redis/setup.js';
import { bucketLimits, take, type Bucket } from '../../scanner/access/bucket.js';
import { IpSet } from '../../scanner/access/ip.js';
import { ApiKeys, hashKey, parseKeyFile, readKeys } from '../../scanner/access/keys.js';
import { partitionDay, partitionFor, partitionName, partitionsAhead, partitionsToDrop } from '../../scanner/audit/partitions.js';
import { eventsQuery, foldStats } from '../../scanner/audit/queries.js';
import { toAuditRecord, uuidv7 } from '../../scanner/audit/record.js';
import { decodeRecords, encodeRecords, segmentName, segmentSeq } from '../../scanner/audit/spool.js';
import { quantityBytes } from '../../scanner/config/quantity.js';
import { parseEventFilter } from '../../scanner/http/events.js';
import type { ScanEvent } from '../../scanner/scan/scanner.js';

const DAY = 86_400_000;
const redisConfig = (over: object) => ScannerConfigSchema.parse({ cache: { redis: over } }).cache.redis;

describe('circuit breaker', () => {
  it('opens after consecutive failures, half-opens after the cool-down with one probe, closes on success', () => {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 100 }, () => now);
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    assert.equal(b.state, 'closed', 'a success resets the count');
    b.failure();
    assert.equal(b.state, 'open');
    assert.equal(b.allow(), false);
    now = 100;
    assert.equal(b.allow(), true, 'one probe after the cool-down');
    assert.equal(b.state, 'half_open');
    assert.equal(b.allow(), false, 'only one probe at a time');
    b.success();
    assert.equal(b.state, 'closed');
    assert.equal(b.allow(), true);
  });

  it('goes back to open when the probe fails, and counts', () => {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10 }, () => now);
    b.failure();
    now = 10;
    assert.equal(b.allow(), true);
    b.failure();
    assert.equal(b.state, 'open');
    assert.equal(b.allow(), false);
    assert.deepEqual(b.stats, { opened: 2, shortCircuited: 1 });
  });
});

describe('redis options', () => {
  it('is off without a URL, standalone with one', () => {
    assert.equal(redisSetup(redisConfig({})), undefined);
    const s = redisSetup(redisConfig({ url: 'rediss://user:p%40ss@cache.svc:6380/2' }))!;
    assert.equal(s.mode, 'standalone');
    assert.equal(s.options.host, 'cache.svc');
    assert.equal(s.options.port, 6380);
    assert.equal(s.options.db, 2);
    assert.equal(s.options.password, 'p@ss');
    assert.deepEqual(s.options.tls, {});
    assert.equal(s.options.enableOfflineQueue, false, 'a scan never waits for a reconnect');
  });

  it('finds the master through sentinels, or the slots through cluster seeds', () => {
    const s = redisSetup(redisConfig({ mode: 'sentinel', nodes: ['s1:26379', '[::1]:26380'], sentinelMasterName: 'cache', url: 'redis://:pw@ignored' }))!;
    assert.equal(s.mode, 'sentinel');
    assert.deepEqual(s.options.sentinels, [{ host: 's1', port: 26379 }, { host: '::1', port: 26380 }]);
    assert.equal(s.options.name, 'cache');
    assert.equal(s.options.password, 'pw');
    const c = redisSetup(redisConfig({ mode: 'cluster', url: 'redis://:pw@n1:7000', nodes: ['n2:7001'] }))!;
    assert.equal(c.mode, 'cluster');
    if (c.mode !== 'cluster') return;
    assert.deepEqual(c.nodes, [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }]);
    assert.equal(c.options.redisOptions?.password, 'pw');
    assert.throws(() => redisSetup(redisConfig({ url: 'http://x' })), /redis:\/\//);
  });
});

describe('token bucket', () => {
  const limits = bucketLimits(60, 3); // one token a second, burst 3

  it('lets a burst through, then one request per refill interval, with the wait to the next token', () => {
    let b: Bucket | undefined;
    const at = (now: number) => {
      const r = take(b, now, limits);
      b = r.bucket;
      return r.result;
    };
    assert.deepEqual([at(0), at(0), at(0)].map((r) => r.allowed), [true, true, true]);
    const refused = at(0);
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterMs, 1000);
    assert.equal(at(500).allowed, false);
    assert.equal(at(1000).allowed, true);
    assert.equal(at(60_000).remaining, 2, 'refill stops at the burst');
  });
});

describe('CIDR sets', () => {
  it('validates entries in the schema', () => {
    for (const ok of ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1', 'loopback', 'uniquelocal']) assert.ok(isCidr(ok), ok);
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'fd00::/129', 'example.com', '1.2.3.4/8/1', '']) assert.ok(!isCidr(bad), bad);
    assert.throws(() => ScannerConfigSchema.parse({ ipAccess: { deny: ['nope'] } }), /CIDR/);
  });

  it('matches addresses, IPv4-mapped IPv6 ones and named ranges', () => {
    const s = new IpSet(['10.0.0.0/8', '2001:db8::/32', 'loopback']);
    assert.ok(s.has('10.1.2.3'));
    assert.ok(s.has('::ffff:10.1.2.3'));
    assert.ok(s.has('2001:db8::5'));
    assert.ok(s.has('127.0.0.1'));
    assert.ok(s.has('::1'));
    assert.ok(!s.has('11.0.0.1'));
    assert.ok(!s.has(undefined));
    assert.ok(!new IpSet([]).has('10.0.0.1'));
  });
});

describe('API keys', () => {
  it('parses named, unnamed and pre-hashed keys and skips comments', () => {
    const hashed = hashKey('hidden').toString('hex');
    const keys = parseKeyFile(`# clients\nbilling:s3cr3t-1\nplain-key-without-name\nops:sha256:${hashed}\n\nsha256:${hashed}\n`);
    assert.deepEqual(keys.map((k) => k.id).slice(0, 3), ['billing', `key-${hashKey('plain-key-without-name').toString('hex').slice(0, 8)}`, 'ops']);
    assert.deepEqual(keys[2].hash, hashKey('hidden'));
    assert.equal(keys.length, 4);
  });

  it('reads a mounted Secret directory (one file per key, Kubernetes dot-entries skipped) and verifies in constant time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-keys-'));
    mkdirSync(join(dir, '..2025_01_01'));
    writeFileSync(join(dir, '..2025_01_01', 'alice'), 'key-a\n');
    symlinkSync('..2025_01_01', join(dir, '..data'));
    symlinkSync('..data/alice', join(dir, 'alice'));
    writeFileSync(join(dir, 'bob'), 'key-b');
    assert.deepEqual(readKeys(dir).map((k) => k.id), ['alice', 'bob']);
    const keys = new ApiKeys();
    keys.configure(dir, 60);
    assert.equal(keys.verify('key-a'), 'alice');
    assert.equal(keys.verify('key-b'), 'bob');
    assert.equal(keys.verify('key-c'), undefined);
    assert.equal(keys.verify(undefined), undefined);
    writeFileSync(join(dir, 'bob'), 'key-b2');
    keys.reload();
    assert.equal(keys.verify('key-b'), undefined, 'a rotated key stops working');
    assert.equal(keys.verify('key-b2'), 'bob');
    keys.close();
  });

  it('refuses everything when the configured path cannot be read', () => {
    const keys = new ApiKeys();
    keys.configure('/nonexistent/keys', 60);
    assert.equal(keys.required, true);
    assert.equal(keys.verify('anything'), undefined);
    keys.close();
  });
});

describe('audit partitions', () => {
  const t = Date.UTC(2025, 0, 31, 23, 59);

  it('names one partition per UTC day and parses the name back', () => {
    assert.equal(partitionName(t), 'firewall_logs_p20250131');
    assert.deepEqual(partitionFor(t), { name: 'firewall_logs_p20250131', from: '2025-01-31T00:00:00.000Z', to: '2025-02-01T00:00:00.000Z' });
    assert.equal(partitionDay('firewall_logs_p20250131'), Date.UTC(2025, 0, 31));
    assert.equal(partitionDay('firewall_logs_p20250231'), undefined);
    assert.equal(partitionDay('other_table'), undefined);
  });

  it('creates yesterday, today and the days ahead; drops whole days past retention', () => {
    assert.deepEqual(partitionsAhead(t, 2).map((p) => p.name), ['firewall_logs_p20250130', 'firewall_logs_p20250131', 'firewall_logs_p20250201', 'firewall_logs_p20250202']);
    const names = ['firewall_logs_p20241230', 'firewall_logs_p20241231', 'firewall_logs_p20250101', 'firewall_logs_p20250131', 'firewall_logs_default'];
    // 30 days before 2025-01-31T23:59 is 2025-01-01T23:59: 2025-01-01 still holds records within retention.
    assert.deepEqual(partitionsToDrop(names, t, 30), ['firewall_logs_p20241230', 'firewall_logs_p20241231']);
  });
});

describe('quantities', () => {
  it('turns Kubernetes quantities into bytes', () => {
    assert.equal(quantityBytes('1Gi'), 2 ** 30);
    assert.equal(quantityBytes('256Mi'), 256 * 2 ** 20);
    assert.equal(quantityBytes('1.5G'), 1.5e9);
    assert.equal(quantityBytes('1e3'), 1000);
    assert.equal(quantityBytes('4096'), 4096);
    assert.throws(() => quantityBytes('lots'));
  });
});

describe('audit records', () => {
  const event = (): ScanEvent => ({
    request: { messages: [{ role: 'user', content: 'mail me at a@b.io' }, { role: 'assistant', content: 'ok' }], direction: 'prompt', metadata: { app: 'shop' } },
    texts: [
      { text: 'mail me at a@b.io', message: 0 },
      { text: 'ok', message: 1 },
    ],
    context: { id: 'req-1', clientIp: '10.0.0.9', apiKeyId: 'billing' },
    decision: undefined as never,
    result: {
      id: 'req-1',
      verdict: 'redact',
      score: 0.9,
      categories: { prompt_injection: 0.2, jailbreak: 0, pii: 0.9, secret: 0, invisible_text: 0, canary: 0, system_prompt_leak: 0 },
      findings: [
        { detector: 'pii', category: 'pii', score: 0.9, rule: 'email', message: 'e-mail address', spans: [{ message: 0, start: 11, end: 17 }] },
        { detector: 'rules', category: 'prompt_injection', score: 0.2, message: 'weak', spans: [] },
      ],
      cache: 'l2',
      policyVersion: 'p1',
      mode: 'enforce',
      latencyMs: 0.5,
    },
  });
  const ctx = { firewall: 'ns/fw', pod: 'pod-1', fingerprintKey: Buffer.from('k'.repeat(32)), storeText: 'none' as const };

  it('keeps scores, findings and a keyed fingerprint, never the text by default', () => {
    const r = toAuditRecord(event(), ctx, Date.UTC(2025, 0, 2));
    assert.equal(r.time, '2025-01-02T00:00:00.000Z');
    assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.topScanner, 'pii');
    assert.deepEqual(r.categories, ['prompt_injection', 'pii']);
    assert.deepEqual(r.detectorScores, { pii: 0.9, rules: 0.2 });
    assert.equal(r.textLength, 19);
    assert.equal(r.text, null);
    assert.equal(r.clientIp, '10.0.0.9');
    assert.equal(r.apiKeyId, 'billing');
    assert.ok(!JSON.stringify(r).includes('a@b.io'), 'no raw text anywhere');
    assert.equal(r.fingerprint, toAuditRecord(event(), ctx).fingerprint, 'same text, same fingerprint');
    assert.notEqual(r.fingerprint, toAuditRecord(event(), { ...ctx, fingerprintKey: Buffer.from('x'.repeat(32)) }).fingerprint, 'keyed');
  });

  it('stores redacted or raw text only when asked', () => {
    assert.equal(toAuditRecord(event(), { ...ctx, storeText: 'redacted' }).text, 'user: mail me at [PII]\nassistant: ok');
    assert.equal(toAuditRecord(event(), { ...ctx, storeText: 'raw' }).text, 'user: mail me at a@b.io\nassistant: ok');
  });

  it('generates time-ordered unique ids', () => {
    const a = uuidv7(1000);
    const b = uuidv7(2000);
    assert.ok(a < b);
    assert.notEqual(uuidv7(1000), uuidv7(1000));
  });

  it('spools as JSON lines and skips a torn last line', () => {
    const r = toAuditRecord(event(), ctx);
    const buf = encodeRecords([r, r]).toString();
    const torn = buf + buf.slice(0, 40);
    const { records, corrupt } = decodeRecords(torn);
    assert.equal(records.length, 2);
    assert.equal(corrupt, 1);
    assert.deepEqual(records[0], r);
    assert.equal(segmentSeq(segmentName(42)), 42);
    assert.equal(segmentSeq('rejected.jsonl'), undefined);
  });
});

describe('audit read API', () => {
  const now = Date.UTC(2025, 5, 1, 12);

  it('parses filters, windows and cursors, and rejects bad ones', () => {
    const f = parseEventFilter({ since: '1h', verdict: 'block,flag', category: 'pii', limit: '10' }, now);
    assert.equal(f.since.toISOString(), '2025-06-01T11:00:00.000Z');
    assert.equal(f.until.getTime(), now);
    assert.deepEqual(f.verdicts, ['block', 'flag']);
    assert.equal(f.limit, 10);
    assert.equal(parseEventFilter({}, now).since.getTime(), now - DAY, 'last 24 hours by default');
    for (const bad of [{ verdict: 'maybe' }, { category: 'x' }, { limit: '0' }, { limit: '501' }, { since: 'yesterday' }, { cursor: 'garbage' }, { since: '1h', until: '2h' }])
      assert.throws(() => parseEventFilter(bad, now), /invalid|expected|not one of|cursor|before/, JSON.stringify(bad));
  });

  it('builds a keyset-paginated query with only the filters given', () => {
    const q = eventsQuery('ns/fw', { ...parseEventFilter({ verdict: 'block' }, now), after: { time: '2025-06-01T10:00:00.000Z', id: '01900000-0000-7000-8000-000000000000' } });
    assert.match(q.text, /verdict = ANY\(\$4::text\[\]\)/);
    assert.match(q.text, /\(ts, id\) < \(\$5::timestamptz, \$6::uuid\)/);
    assert.match(q.text, /ORDER BY ts DESC, id DESC LIMIT \$7$/);
    assert.equal(q.params[6], 51, 'one more row than the page, to know whether there is a next one');
    assert.doesNotMatch(q.text, /categories @>/);
  });

  it('lists every verdict and category in stats, zero when absent', () => {
    const s = foldStats([
      { kind: 'verdict', key: 'allow', n: 3 },
      { kind: 'verdict', key: 'block', n: 2 },
      { kind: 'category', key: 'pii', n: 1 },
      { kind: 'scanner', key: 'rules', n: 2 },
    ]);
    assert.equal(s.total, 5);
    assert.deepEqual(s.verdicts, { allow: 3, flag: 0, redact: 0, block: 2 });
    assert.equal(s.categories.pii, 1);
    assert.equal(s.categories.jailbreak, 0);
    assert.deepEqual(s.scanners, { rules: 2 });
  });
});
