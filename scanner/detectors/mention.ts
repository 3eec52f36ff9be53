// Mention, not use: a text that quotes an attack phrase to talk about it ("analyse the phrase
// 'ignore previous instructions'", "queries like "reveal your prompt" are insecure", a string
// literal in example code) is not making the attack. A rule match counts as a mention when what
// stands right before it names it as a phrase, an example or someone's words — with or without
// quotation marks around the match.

// Any quotation mark straight before a match (German and other styles open with what English closes with).
const QUOTE_MARKS = new Set(['"', "'", '“', '”', '‘', '’', '«', '»', '„', '「', '『', '`']);

// Ends with a word that introduces a quotation: "the phrase", "queries like", "so-called",
// "a character says", "example =" (and the same in a few other languages).
const INTRODUCES_MENTION =
  /(?:\b(?:the|a|this|that) (?:phrase|words?|sentence|string(?: literal)?|term|expression|slogan|message|line|paper|article|book|title|talk|post|study|report|film|song)|\b(?:queries|prompts|requests|inputs|messages|commands|attacks|attempts|phrases|strings|sentences|payloads) (?:like|such as)|\bsuch as|\bso-called|\bknown as|\bcalled|\be\.g\.|\bfor example|\bfor instance|\b(?:he|she|they|it|someone|somebody|character|villain|hero|user|attacker) (?:says|said|whispers|shouts|types|typed|writes|wrote)|\bexample\s*=|[A-Za-z_]\w*\s*=|\b(?:should not|shouldn['’]t|should never|never|do not|don['’]t|must not|mustn['’]t) (?:type|enter|say|write|paste|send|use)|\b(?:flagged|blocked|detected|reported|logged|caught|matched|triggered)\b(?: \S+){0,4}\s*:|\b(?:instruct(?:s|ed|ing)?|tell(?:s|ing)?|told|ask(?:s|ed|ing)?|trick(?:s|ed|ing)?|convinc(?:e|es|ed|ing)|caus(?:e|es|ed|ing)|forc(?:e|es|ed|ing)|gets|getting|mak(?:es|ing)) (?:it|them|the (?:model|llm|chatbot|assistant|ai|bot|system|agent)s?)(?: \w+)? to|\battempt(?:s|ed|ing)? to|\b(?:la|une|die|der|den|el|una|a|l['’]) ?(?:frase|phrase|satz|ausdruck|expresión|expression|expressão|espressione)|\bfraz[ęay]|\bzdanie|\bwyrażenie|фраз[ауы]|выражение)\s*[:,]?\s*$/i;

// Languages that name a quoted phrase after it ("ignore previous instruction이라는 문장", "「…」という指示",
// "“…”这句话"): what follows the match, up to a few letters of the verb's ending, then the naming word
// and a noun such as sentence, phrase, request or attack.
const NAMED_AFTER =
  /^[^\s.!?。！？]{0,6}?["'”’」』»]?\s?(?:(?:이?라는|이?라고 하는|달라는|하라는|이?란)\s?(?:문장|문구|표현|요청|말|프롬프트|명령|지시|공격|질문|예시)|(?:문장|문구|표현|요청|프롬프트|공격)(?:[은는이가을를의]|\s)|(?:という|などの|といった|との)(?:文|フレーズ|言葉|表現|指示|依頼|要求|プロンプト|攻撃|命令)|(?:这句话|这个短语|这种说法|这类|这样的|之类的)(?:话|短语|说法|请求|指令|提示|攻击)?)/;

// Quoted speech attributed after it: "Forget everything I told you," the professor said.
const SPEECH_AFTER = /^[^"”\n]{0,24}["”],? (?:the |a |an |my |his |her |their )?\w+(?: \w+)? (?:said|says|asked|asks|replied|whispered|shouted|wrote|explained|joked|added)\b/;
// A quoted name followed by what kind of thing it is: the "DAN" jailbreak, the 'grandma' exploit.
const KIND_AFTER = /^["'”’] (?:jailbreak|prompt|attack|exploit|technique|method|trick|payload|persona)s?\b/i;

/** How much text after a match is read for the naming words. */
const LOOK_AHEAD = 48;

/** How much text before a match is read for the introducing words. */
const LOOK_BACK = 48;

/** How far back a quotation that the match sits inside may have opened (on the same line). */
const QUOTE_REACH = 160;
const OPENS = new Set(['“', '‘', '«', '„', '「', '『']);
const CLOSES = new Set(['”', '’', '»', '」', '』']);

/**
 * Where the quotation that `start` sits inside opens, or -1: the last typographic opening quote
 * not closed since, or the last '"' when an odd number of them stand between the line's start and
 * `start`. Straight single quotes are left out: they are apostrophes as often as quotes.
 */
function openingQuote(text: string, start: number): number {
  const from = Math.max(0, start - QUOTE_REACH);
  let lineStart = from;
  for (let i = start - 1; i >= from; i--)
    if (text[i] === '\n') {
      lineStart = i + 1;
      break;
    }
  let lastDouble = -1;
  let doubles = 0;
  let open = -1;
  for (let i = lineStart; i < start; i++) {
    const c = text[i];
    if (c === '"') {
      doubles++;
      lastDouble = i;
    } else if (OPENS.has(c)) open = i;
    else if (CLOSES.has(c)) open = -1;
  }
  return Math.max(open, doubles % 2 === 1 ? lastDouble : -1);
}

/** True when the match [start, end) in `text` is quoted or named as a phrase rather than said. */
export function isMention(text: string, start: number, end = start): boolean {
  if (end > start) {
    const after = text.slice(end, end + LOOK_AHEAD);
    if (NAMED_AFTER.test(after) || SPEECH_AFTER.test(after) || KIND_AFTER.test(after)) return true;
  }
  let at = start;
  while (at > 0 && text[at - 1] === ' ') at--;
  if (at > 0 && QUOTE_MARKS.has(text[at - 1])) at--;
  else {
    const q = openingQuote(text, start);
    if (q >= 0) at = q;
  }
  // An HTML attribute's value (alt="…", title="…") is text the page carries, not a string literal.
  if (inTagAttribute(text, at)) return false;
  return INTRODUCES_MENTION.test(text.slice(Math.max(0, at - LOOK_BACK), at));
}

/** True when the quotation opening at `at` is the value of an attribute inside an HTML tag. */
function inTagAttribute(text: string, at: number): boolean {
  return text[at - 1] === '=' && text.lastIndexOf('<', at) > text.lastIndexOf('>', at);
}

// Quotation marks and what closes each (German „ closes with “ or ”; straight quotes close themselves).
const CLOSERS: Record<string, string> = { '"': '"', '“': '”', '„': '“”', '«': '»', '「': '」', '『': '』', "'": "'", '‘': '’' };
/** Longest quotation that is masked. */
const MAX_QUOTE = 300;
const WORD_BEFORE = /[\p{L}\p{N}]/u;

/**
 * The text with the contents of every quotation that is a mention (quoted to talk about it, as
 * isMention decides) replaced by spaces — same length, so offsets still hold. For detectors that
 * cannot tell mention from use themselves (the classifier scores words, not sentences).
 */
export function maskMentions(text: string): string {
  let units: string[] | undefined;
  for (let i = 0; i < text.length; i++) {
    const closers = CLOSERS[text[i]];
    if (closers === undefined) continue;
    // a straight single quote after a letter is an apostrophe
    if (text[i] === "'" && i > 0 && WORD_BEFORE.test(text[i - 1])) continue;
    let j = i + 1;
    while (j < text.length && j - i <= MAX_QUOTE && text[j] !== '\n' && !closers.includes(text[j])) j++;
    if (j >= text.length || j - i > MAX_QUOTE || text[j] === '\n' || j === i + 1) continue;
    if (!isMention(text, i + 1, j)) continue; // quotations inside it may still be mentions
    units ??= text.split('');
    for (let k = i + 1; k < j; k++) units[k] = ' ';
    i = j;
  }
  return units ? units.join('') : text;
}
