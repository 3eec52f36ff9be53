// Secrets: provider tokens with a recognisable format (AWS, GitHub, GitLab, Slack, Stripe, Google,
// OpenAI, Anthropic, Hugging Face, npm, SendGrid), PEM private keys, JWTs, passwords in connection
// strings and bearer headers, and high-entropy values assigned to names such as password, secret,
// token or api_key. Each finding carries a typed placeholder; for assignments the span covers the
// value only, so redaction keeps `password = "[SECRET]"` readable.
//
// Scores: 0.95–0.99 for definite formats, 0.9 for high-entropy assignments (the default threshold),
// 0.6 for short or low-entropy literal passwords (reported, not blocked by default). References
// (`password = getPassword()`), types (`password: string`) and placeholders (`"changeme"`,
// `"<your-password>"`, `"${PASSWORD}"`) are not secrets and produce nothing.
import { entityDetector, resolveOverlaps, type EntityMatch } from './entities.js';

type Candidate = EntityMatch;

// --- entropy and placeholders ------------------------------------------------------------------

const counts = new Int32Array(65536);
/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  for (let i = 0; i < n; i++) counts[s.charCodeAt(i)]++;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const k = counts[c];
    if (k === 0) continue;
    const p = k / n;
    h -= p * Math.log2(p);
    counts[c] = 0;
  }
  return h;
}

function charClasses(s: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

// Values that stand for a secret rather than being one.
const PLACEHOLDER_VALUE =
  /^(?:\$\{.*\}|\$\(.*\)|\$[A-Za-z_]\w*|\{\{.*\}\}|<[^>]*>|\[[^\]]*\]|%[A-Za-z_]\w*%|[*•x.…-]+|null|nil|none|undefined|true|false|changeme|change_?it|change_?me|password\d*|passwd|pass|secret|token|api_?key|example|dummy|test(?:ing)?|sample|placeholder|redacted|hidden|replace_?me|todo|tbd|foo|bar|baz|qwerty|admin|root|default|empty|string|str|number|int|bool|boolean|any|unknown|bytes)$/i;
const PLACEHOLDER_PART = /your[_ -]|_here\b|example|placeholder|replace|changeme|xxxx|\*\*\*|process\.env|os\.environ|getenv|secrets\.|vault:|\{\{|\$\{/i;
export const isPlaceholder = (v: string) => PLACEHOLDER_VALUE.test(v) || PLACEHOLDER_PART.test(v);
// Values that name what they stand for ("somepassword", "fallback-password", "test-secret") are
// usually documentation: reported, but below the default threshold.
const SELF_DESCRIBING = /pass(?:word|wd)|secret|pwd|dummy|sample|test/i;

// --- tokens with a known format ----------------------------------------------------------------

interface TokenRule {
  rule: string;
  placeholder: string;
  label: string;
  re: RegExp;
  /** Substrings one of which every match contains; the regex is skipped when all are absent. */
  quick: string[];
  score: (m: RegExpExecArray, text: string) => number;
}

const B = '(?<![A-Za-z0-9_-])';
const E = '(?![A-Za-z0-9_-])';
const fixed = (s: number) => () => s;
const mixed = (s: string) => /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s);

function jwtScore(m: RegExpExecArray): number {
  try {
    const header = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as unknown;
    return header !== null && typeof header === 'object' && typeof (header as { alg?: unknown }).alg === 'string' ? 0.95 : 0;
  } catch {
    return 0;
  }
}

const TOKENS: TokenRule[] = [
  {
    rule: 'aws_access_key_id',
    placeholder: '[AWS_ACCESS_KEY]',
    label: 'AWS access key id',
    re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
    quick: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
    score: fixed(0.95),
  },
  {
    rule: 'github_token',
    placeholder: '[GITHUB_TOKEN]',
    label: 'GitHub token',
    re: new RegExp(`${B}(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})${E}`, 'g'),
    quick: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    score: fixed(0.98),
  },
  {
    rule: 'gitlab_token',
    placeholder: '[GITLAB_TOKEN]',
    label: 'GitLab personal access token',
    re: new RegExp(`${B}glpat-[A-Za-z0-9_-]{20,64}${E}`, 'g'),
    quick: ['glpat-'],
    score: fixed(0.97),
  },
  {
    rule: 'slack_token',
    placeholder: '[SLACK_TOKEN]',
    label: 'Slack token',
    re: new RegExp(`${B}(?:xox[baprs]-[A-Za-z0-9-]{10,250}|xapp-\\d-[A-Za-z0-9-]{10,250})${E}`, 'g'),
    quick: ['xox', 'xapp-'],
    score: (m) => (/\d/.test(m[0]) ? 0.97 : 0),
  },
  {
    rule: 'slack_webhook',
    placeholder: '[SLACK_WEBHOOK]',
    label: 'Slack webhook URL',
    re: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,200}/g,
    quick: ['hooks.slack.com'],
    score: fixed(0.97),
  },
  {
    rule: 'stripe_key',
    placeholder: '[STRIPE_KEY]',
    label: 'Stripe secret key',
    re: new RegExp(`${B}(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}|whsec_[A-Za-z0-9]{32,128})${E}`, 'g'),
    quick: ['_live_', '_test_', 'whsec_'],
    score: (m) => (m[0].includes('_test_') ? 0.95 : 0.97),
  },
  {
    rule: 'google_api_key',
    placeholder: '[GOOGLE_API_KEY]',
    label: 'Google API key',
    re: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, 'g'),
    quick: ['AIza'],
    score: fixed(0.97),
  },
  {
    rule: 'anthropic_api_key',
    placeholder: '[ANTHROPIC_API_KEY]',
    label: 'Anthropic API key',
    re: new RegExp(`${B}sk-ant-[A-Za-z0-9_-]{32,255}${E}`, 'g'),
    quick: ['sk-ant-'],
    score: fixed(0.99),
  },
  {
    rule: 'openai_api_key',
    placeholder: '[OPENAI_API_KEY]',
    label: 'OpenAI API key',
    re: new RegExp(`${B}sk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?([A-Za-z0-9_-]{32,255})${E}`, 'g'),
    quick: ['sk-'],
    // "sk-" and a long kebab-case name is not a key: keys mix cases and digits.
    score: (m) => (m[0].includes('T3BlbkFJ') ? 0.98 : mixed(m[1]) ? 0.95 : 0),
  },
  {
    rule: 'huggingface_token',
    placeholder: '[HUGGINGFACE_TOKEN]',
    label: 'Hugging Face token',
    re: new RegExp(`${B}hf_[A-Za-z]{34}${E}`, 'g'),
    quick: ['hf_'],
    score: (m) => (mixed(m[0].replace('hf_', '0')) ? 0.95 : 0),
  },
  {
    rule: 'npm_token',
    placeholder: '[NPM_TOKEN]',
    label: 'npm access token',
    re: new RegExp(`${B}npm_[A-Za-z0-9]{36}${E}`, 'g'),
    quick: ['npm_'],
    score: (m) => (mixed(m[0]) ? 0.97 : 0),
  },
  {
    rule: 'sendgrid_key',
    placeholder: '[SENDGRID_KEY]',
    label: 'SendGrid API key',
    re: new RegExp(`${B}SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${E}`, 'g'),
    quick: ['SG.'],
    score: fixed(0.97),
  },
  {
    rule: 'jwt',
    placeholder: '[JWT]',
    label: 'JSON web token',
    // A header is a JSON object: base64 of '{"' is "eyJ".
    re: new RegExp(`${B}(eyJ[A-Za-z0-9_-]{10,4096})\\.ey[A-Za-z0-9_-]{10,8192}\\.[A-Za-z0-9_-]{0,1024}${E}`, 'g'),
    quick: ['eyJ'],
    score: jwtScore,
  },
];

// --- private keys ------------------------------------------------------------------------------

const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY( BLOCK)?-----/g;
// An 8192-bit RSA key is about 6,500 characters of base64.
const PEM_MAX_BODY = 8192;

function privateKeys(text: string, out: Candidate[]): void {
  if (!text.includes('-----BEGIN')) return;
  PEM_BEGIN.lastIndex = 0;
  // The next "-----END " at or after the current header (-1: none left), searched once for all the
  // headers before it, so that many headers without an end do not cost n².
  let nextEnd = 0;
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) {
    const bodyStart = m.index + m[0].length;
    const endMarker = `-----END ${m[1]}PRIVATE KEY${m[2] ?? ''}-----`;
    if (nextEnd !== -1 && nextEnd < bodyStart) nextEnd = text.indexOf('-----END ', bodyStart);
    const end = nextEnd;
    const complete = end >= 0 && end - bodyStart <= PEM_MAX_BODY && text.startsWith(endMarker, end);
    const body = complete ? text.slice(bodyStart, end) : text.slice(bodyStart, bodyStart + 80);
    // A header over "..." is documentation; a header over base64 is a key.
    const keyMaterial = (body.match(/[A-Za-z0-9+/=]/g)?.length ?? 0) >= 64;
    out.push({
      rule: 'private_key',
      placeholder: '[PRIVATE_KEY]',
      label: 'private key',
      start: m.index,
      end: complete ? end + endMarker.length : bodyStart,
      score: keyMaterial ? 0.99 : 0.8,
    });
    if (complete) PEM_BEGIN.lastIndex = end + endMarker.length;
  }
}

// --- AWS secret access keys: 40 characters that only context tells apart --------------------------

const AWS_SECRET = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const AWS_CONTEXT = /aws|amazon|secret[_ ]?access|AKIA|ASIA/i;

function awsSecrets(text: string, out: Candidate[]): void {
  if (!AWS_CONTEXT.test(text)) return;
  AWS_SECRET.lastIndex = 0;
  for (let m = AWS_SECRET.exec(text); m; m = AWS_SECRET.exec(text)) {
    const v = m[0];
    if (!mixed(v) || shannonEntropy(v) < 4) continue;
    out.push({ rule: 'aws_secret_access_key', placeholder: '[AWS_SECRET_KEY]', label: 'AWS secret access key', start: m.index, end: m.index + 40, score: 0.95 });
  }
}

// --- passwords in URLs and headers -----------------------------------------------------------

const URL_PASSWORD = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,64}:([^\s@/]{1,128})@[^\s/@]/dg;
const BEARER = /\b[Bb]earer\s+([A-Za-z0-9._~+/-]{20,4096}=*)(?![A-Za-z0-9._~+/=-])/dg;

function credentialsInText(text: string, out: Candidate[]): void {
  if (text.includes('://')) {
    URL_PASSWORD.lastIndex = 0;
    for (let m = URL_PASSWORD.exec(text); m; m = URL_PASSWORD.exec(text)) {
      const [start, end] = m.indices![1];
      if (isPlaceholder(m[1])) continue;
      const score = SELF_DESCRIBING.test(m[1]) ? 0.6 : 0.9;
      out.push({ rule: 'url_password', placeholder: '[SECRET]', label: 'password in a URL', start, end, score });
    }
  }
  if (/bearer/i.test(text)) {
    BEARER.lastIndex = 0;
    for (let m = BEARER.exec(text); m; m = BEARER.exec(text)) {
      const [start, end] = m.indices![1];
      if (isPlaceholder(m[1]) || shannonEntropy(m[1]) < 3.5) continue;
      out.push({ rule: 'bearer_token', placeholder: '[SECRET]', label: 'bearer token', start, end, score: 0.9 });
    }
  }
}

// --- values assigned to secret-sounding names --------------------------------------------------

const SECRET_NAME =
  '(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?token|access[_-]?token|refresh[_-]?token|credentials?)';
// Where a name may be: every SECRET_NAME contains one of these words.
const SECRET_WORD = /pass|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential/gi;
// From the start of the identifier around such a word: name (with prefixes and suffixes: DB_PASSWORD,
// aws.secret_key) · optional closing quote · operator · quoted or bare value.
const ASSIGNMENT = new RegExp(
  `((?:[A-Za-z0-9]{1,32}[_.-]){0,6}${SECRET_NAME}(?:[_.-][A-Za-z0-9]{1,32}){0,4})["']?([ \\t]*)(:=|=>|=(?!=)|:(?!:))([ \\t]*)(?:(["'\`])([^"'\`\\n]{1,256})\\5|([^\\s"'\`,;]{1,256}))`,
  'dyi',
);
const MAX_NAME = 6 * 33 + 40;
const isNameChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;
const PASSWORD_NAME = /pass|pwd/i;
const IDENTIFIER = /^[A-Za-z_$][\w$]*(?:(?:\.|\?\.|::)[A-Za-z_$][\w$]*)*(?:\(.*\)?|\[.*\]?)?[;)]*$/;

function assignments(text: string, out: Candidate[]): void {
  SECRET_WORD.lastIndex = 0;
  for (let w = SECRET_WORD.exec(text); w; w = SECRET_WORD.exec(text)) {
    let from = w.index;
    while (from > 0 && w.index - from < MAX_NAME && isNameChar(text.charCodeAt(from - 1))) from--;
    ASSIGNMENT.lastIndex = from;
    const m = ASSIGNMENT.exec(text);
    if (!m) continue;
    SECRET_WORD.lastIndex = m.index + m[0].length;
    const name = m[1];
    const quoted = m[6] !== undefined;
    const value = quoted ? m[6] : m[7];
    const [start, end] = m.indices![quoted ? 6 : 7];
    if (isPlaceholder(value) || value.length < 6) continue;
    // Unquoted words are references, calls or types (password = getPassword(), password: string,
    // token = config.TOKEN), except in env files (NAME=value) and single words too random to be names.
    const envStyle = !quoted && m[3] === '=' && !m[2] && !m[4] && name === name.toUpperCase();
    const h = shannonEntropy(value);
    const classes = charClasses(value);
    if (!quoted && !envStyle && IDENTIFIER.test(value)) {
      const tokenLike = /^[A-Za-z0-9_$-]{20,}$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value) && h >= 3.5;
      if (!tokenLike) continue;
    }
    if (!quoted && !envStyle && /[([]/.test(value)) continue;
    const password = PASSWORD_NAME.test(name);
    if (/^\d+$/.test(value) && !password) continue;
    let score = 0.6;
    if (SELF_DESCRIBING.test(value)) score = 0.6;
    else if (value.length >= 16 && h >= 3.5 && classes >= 2) score = 0.9;
    else if (password && value.length >= 8 && h >= 2.75 && classes >= 3) score = 0.9;
    out.push({
      rule: password ? 'password_assignment' : 'secret_assignment',
      placeholder: '[SECRET]',
      label: `value assigned to a ${password ? 'password' : 'secret'} name${score < 0.9 ? ' (low entropy)' : ''}`,
      start,
      end,
      score,
    });
  }
}

// --- the detector ------------------------------------------------------------------------------

/** Every secret in one text, overlaps resolved in favour of the most certain. */
export function findSecrets(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const t of TOKENS) {
    if (!t.quick.some((q) => text.includes(q))) continue;
    t.re.lastIndex = 0;
    for (let m = t.re.exec(text); m; m = t.re.exec(text)) {
      const score = t.score(m, text);
      if (score > 0) out.push({ rule: t.rule, placeholder: t.placeholder, label: t.label, start: m.index, end: m.index + m[0].length, score });
    }
  }
  privateKeys(text, out);
  awsSecrets(text, out);
  credentialsInText(text, out);
  assignments(text, out);
  return resolveOverlaps(out);
}

export const secretsDetector = entityDetector('secrets', 'secret', findSecrets);
