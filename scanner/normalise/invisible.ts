// Classification of characters that render as nothing. They are removed from the text every
// detector reads; the ones that can hide or reorder text are reported as `invisible_text`.

export type InvisibleKind = 'zero_width' | 'bidi_control' | 'tag' | 'variation_selector';

/**
 * Kind of an invisible code point, 'silent' for invisible characters that are removed without
 * being reported (legitimate in ordinary text), or undefined for visible characters.
 * `prev` is the code point before it (0 at the start).
 */
export function classifyInvisible(cp: number, prev: number): InvisibleKind | 'silent' | undefined {
  if (cp < 0x00ad) return undefined;
  if (cp === 0x00ad || cp === 0x034f || cp === 0x180e || cp === 0x2060 || (cp >= 0x2061 && cp <= 0x2064)) return 'zero_width';
  if (cp === 0x200b) return 'zero_width';
  if (cp === 0x200c || cp === 0x200d) {
    // Joiners are part of Arabic, Indic and emoji orthography; between Latin letters they only hide words.
    return prev >= 0x0590 ? 'silent' : 'zero_width';
  }
  if (cp === 0x200e || cp === 0x200f || cp === 0x061c) return 'silent'; // LRM, RLM, ALM: ordinary in RTL text
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return 'bidi_control';
  if (cp === 0xfeff) return prev === 0 ? 'silent' : 'zero_width'; // a leading BOM is an encoding artefact
  if (cp >= 0xfe00 && cp <= 0xfe0f) return prev >= 0x2000 && !isVariationSelector(prev) ? 'silent' : 'variation_selector';
  if (cp >= 0xe0100 && cp <= 0xe01ef) return 'variation_selector';
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag';
  return undefined;
}

export function isVariationSelector(cp: number): boolean {
  return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

/** The byte a variation selector encodes in "emoji smuggling" (VS1..VS16 → 0..15, VS17..VS256 → 16..255). */
export function variationSelectorByte(cp: number): number {
  return cp <= 0xfe0f ? cp - 0xfe00 : cp - 0xe0100 + 16;
}

/** The ASCII character a Unicode tag character mirrors (U+E0041 → "A"), or -1. */
export function tagChar(cp: number): number {
  const c = cp - 0xe0000;
  return c >= 0x20 && c < 0x7f ? c : -1;
}

/** Subdivision flags (🏴 + tag letters + cancel tag) are the one legitimate use of tag characters. */
export const BLACK_FLAG = 0x1f3f4;
export const CANCEL_TAG = 0xe007f;
