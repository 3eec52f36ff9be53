import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { piiDetector } from '../../../scanner/detectors/pii.js';
import type { ViewFinding } from '../../../scanner/detectors/types.js';
import { normalise } from '../../../scanner/normalise/normalise.js';
import { originalText } from './spans.js';

const THRESHOLD = 0.8; // default pii threshold (action: redact)
const ctx = { direction: 'prompt' } as const;
const scan = (text: string) => {
  const input = normalise(text);
  return { input, findings: piiDetector.detect(input, ctx) as ViewFinding[] };
};

describe('pii: entities found, with placeholder and original span', () => {
  const cases: Array<[string, string, string, string, number]> = [
    // [name, text, entity, exact original substring, minimum score]
    ['email', 'Write to jane.doe+news@example.co.uk today', 'email', 'jane.doe+news@example.co.uk', 0.9],
    ['E.164 UK', 'Call +44 20 7946 0958 tomorrow', 'phone', '+44 20 7946 0958', 0.8],
    ['E.164 DE', 'Berlin office: +49 30 123456.', 'phone', '+49 30 123456', 0.8],
    ['E.164 compact', 'whatsapp +14155552671', 'phone', '+14155552671', 0.8],
    ['US with parentheses', 'My number is (555) 123-4567.', 'phone', '(555) 123-4567', 0.8],
    ['US dashed', 'ring 212-555-0199 after six', 'phone', '212-555-0199', 0.8],
    ['US spaced after "phone"', 'phone: 212 555 0199', 'phone', '212 555 0199', 0.8],
    ['UK national after "tel"', 'tel. 020 7946 0958', 'phone', '020 7946 0958', 0.8],
    ['French', 'Appelez le 01 23 45 67 89 svp', 'phone', '01 23 45 67 89', 0.8],
    ['SSN dashed', 'SSN on file: 123-45-6789', 'us_ssn', '123-45-6789', 0.9],
    ['SSN without context', 'it is 078-05-1120 I think', 'us_ssn', '078-05-1120', 0.8],
    ['SSN spaced after "social security"', 'social security number 123 45 6789', 'us_ssn', '123 45 6789', 0.8],
    ['SSN bare after "SSN"', 'my SSN is 123456789', 'us_ssn', '123456789', 0.8],
    ['Visa spaced', 'card 4111 1111 1111 1111 exp 12/29', 'credit_card', '4111 1111 1111 1111', 0.95],
    ['Mastercard bare', 'pay with 5555555555554444 please', 'credit_card', '5555555555554444', 0.95],
    ['Amex 4-6-5', 'amex 3782 822463 10005', 'credit_card', '3782 822463 10005', 0.95],
    ['Visa dashed', 'number 4012-8888-8888-1881', 'credit_card', '4012-8888-8888-1881', 0.95],
    ['IBAN DE grouped', 'IBAN: DE89 3704 0044 0532 0130 00, thanks', 'iban', 'DE89 3704 0044 0532 0130 00', 0.95],
    ['IBAN GB compact', 'send to GB82WEST12345698765432', 'iban', 'GB82WEST12345698765432', 0.95],
    ['IBAN before a capitalised word', 'DE89 3704 0044 0532 0130 00 AND more', 'iban', 'DE89 3704 0044 0532 0130 00', 0.95],
    ['public IPv4', 'the attacker came from 81.2.69.160 yesterday', 'ipv4', '81.2.69.160', 0.8],
    ['IPv4 ending a sentence', 'my IP is 81.2.69.160.', 'ipv4', '81.2.69.160', 0.8],
    ['public IPv6', 'client 2a00:1450:4001:81a::200e connected', 'ipv6', '2a00:1450:4001:81a::200e', 0.8],
  ];
  for (const [name, text, entity, expected, min] of cases)
    test(name, () => {
      const { input, findings } = scan(text);
      const f = findings.find((x) => x.rule === entity);
      assert.ok(f, `no ${entity} in ${JSON.stringify(text)}: ${JSON.stringify(findings)}`);
      assert.equal(originalText(input, f), expected);
      assert.ok(f.score >= min && f.score <= 1, `score ${f.score}`);
      assert.equal(f.category, 'pii');
      assert.equal(f.detector, 'pii');
      assert.ok(!f.message.includes(expected), 'message must not contain the value');
      assert.equal(findings.filter((x) => x.spans[0].start < f.spans[0].end && f.spans[0].start < x.spans[0].end).length, 1, 'no overlapping findings');
    });

  test('placeholders are typed', () => {
    const { findings } = scan('a@b.io +44 20 7946 0958 123-45-6789 4111111111111111 GB82WEST12345698765432 81.2.69.160 2a00:1450:4001:81a::200e');
    const byRule = Object.fromEntries(findings.map((f) => [f.rule, f.placeholder]));
    assert.deepEqual(byRule, {
      email: '[EMAIL]',
      phone: '[PHONE]',
      us_ssn: '[SSN]',
      credit_card: '[CREDIT_CARD]',
      iban: '[IBAN]',
      ipv4: '[IP_ADDRESS]',
      ipv6: '[IP_ADDRESS]',
    });
  });
});

describe('pii: no redaction of what only looks like personal data', () => {
  const benign: Array<[string, string]> = [
    ['order number', 'Where is my order 123456789?'],
    ['long order number', 'Order #4111111111111112 has not shipped'],
    ['years and counts', 'In 2024 we sold 1500000 units across 12 countries'],
    ['version string', 'Upgrade to version 1.2.3.4 and restart'],
    ['short version', 'node v20.11.1 and python 3.12.2'],
    ['version in a path', 'C:\\WinPython-64bit-3.4.2.4\\python-3.4.2.amd64\\lib'],
    ['OID', 'the OID 1.3.6.1.4.1.311 identifies Microsoft'],
    ['ISO date', 'Meeting on 2024-01-15 at 10:30:00'],
    ['numeric date', 'born 12/05/1990, moved 05.12.2003'],
    ['times and ratios', 'run 10:30:45, aspect 16:9, score 3-2'],
    ['MAC address', 'MAC 00:1a:2b:3c:4d:5e'],
    ['invalid SSN area 000', 'ref 000-12-3456'],
    ['invalid SSN area 666', 'ref 666-12-3456'],
    ['invalid SSN area 9xx', 'ref 912-34-5678'],
    ['invalid SSN group 00', 'ref 123-00-4567'],
    ['invalid SSN serial 0000', 'ref 123-45-0000'],
    ['Luhn-invalid card', 'card 4111 1111 1111 1112'],
    ['Luhn-valid number without a card prefix', 'tracking 1234567812345670'],
    ['IBAN with a wrong checksum', 'DE89 3704 0044 0532 0130 01'],
    ['retina asset', 'use icon@2x.png for the logo'],
    ['npm specifier', 'install lodash@4.17.21'],
    ['UUID', 'request id 123e4567-e89b-12d3-a456-426614174000'],
    ['git hash', 'commit a94a8fe5ccb19ba61c4c0873d391e987982fbbd3'],
    ['C++ scope', 'use std::vector and a::b::c'],
    ['three spaced quantities', 'we measured 555 123 4567 grams in three batches'],
    ['table of numbers', '0 100 200 300 400'],
    ['hex dump', '<Buffer 08 00 00 00 00 00 00 00 28 13 de 02>'],
    ['section numbers', 'defined in ECMA-262 sections 7.6.1.1 and [11.6.2.2](http://es5.github.io)'],
    ['package versions', 'node@0.10.33 v8@3.14.5.9, release 1.2.3.4-rc.1'],
    ['reverse DNS name', 'look up 42.2.0.192.in-addr.arpa'],
    ['phone-shaped math', '2 + 2 = 4 and 10 - 3 = 7'],
  ];
  for (const [name, text] of benign)
    test(name, () => {
      const { findings } = scan(text);
      const over = findings.filter((f) => f.score >= THRESHOLD);
      assert.deepEqual(over, [], `${JSON.stringify(text)} → ${over.map((f) => `${f.rule}:${f.score}`).join(', ')}`);
    });

  test('private, loopback and well-known addresses are reported below the threshold', () => {
    for (const ip of ['192.168.1.10', '10.0.0.1', '127.0.0.1', '172.16.5.4', '8.8.8.8', 'fe80::1', '2001:db8::1']) {
      const { findings } = scan(`connect to ${ip} now`);
      assert.equal(findings.length, 1, ip);
      assert.ok(findings[0].score < THRESHOLD, `${ip} ${findings[0].score}`);
    }
    assert.deepEqual(scan('listen on ::1 and ::').findings, []);
  });
});

describe('pii: spans survive normalisation', () => {
  test('zero-width characters inside an address', () => {
    const text = 'mail jane\u200b.doe@exam\u200bple.org now';
    const { input, findings } = scan(text);
    assert.equal(findings.length, 1);
    assert.equal(originalText(input, findings[0]), 'jane\u200b.doe@exam\u200bple.org');
  });

  test('fullwidth digits', () => {
    const card = '４１１１ １１１１ １１１１ １１１１';
    const { input, findings } = scan(`card ${card}`);
    assert.equal(findings[0]?.rule, 'credit_card');
    assert.equal(originalText(input, findings[0]), card);
  });

  test('personal data hidden in base64 maps to the encoded segment', () => {
    const encoded = Buffer.from('please contact me at jane.doe@example.org').toString('base64');
    const { input, findings } = scan(`decode: ${encoded}`);
    const f = findings.find((x) => x.rule === 'email')!;
    assert.equal(input.views[f.view].kind, 'base64');
    assert.equal(originalText(input, f), encoded);
    assert.match(f.message, /base64/);
    assert.equal(findings.filter((x) => x.rule === 'email').length, 1, 'reported once, not again for the leetspeak twin');
  });

  test('declares what it reads', () => {
    assert.equal(piiDetector.name, 'pii');
    assert.deepEqual([...piiDetector.categories], ['pii']);
    assert.ok(!piiDetector.views.includes('leet'));
    assert.ok(piiDetector.views.includes('text') && piiDetector.views.includes('base64'));
  });
});
