// Look-alike characters folded to the Latin letter they imitate. Only characters that NFKC leaves
// alone are listed here (NFKC already folds fullwidth, mathematical and circled letters).
// Source: Unicode confusables.txt (Cyrillic, Greek, Armenian, Latin small capitals and IPA),
// restricted to one-to-one mappings onto ASCII letters.
const PAIRS: Record<string, string> = {
  // Cyrillic lower / upper
  а: 'a', в: 'b', е: 'e', ё: 'e', һ: 'h', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't',
  у: 'y', х: 'x', ѕ: 's', ԁ: 'd', ӏ: 'l', ԛ: 'q', ԝ: 'w', ɡ: 'g', 
  А: 'A', В: 'B', Е: 'E', Ё: 'E', Һ: 'H', І: 'I', Ї: 'I', Ј: 'J', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T',
  У: 'Y', Х: 'X', Ѕ: 'S', Ԁ: 'D', Ӏ: 'I', Ԛ: 'Q', Ԝ: 'W',
  // Greek lower / upper
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ϲ: 'c', ϳ: 'j',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X', Ϲ: 'C',
  // Armenian
  օ: 'o', ս: 'u', հ: 'h', ո: 'n', ց: 'g', զ: 'q', Օ: 'O', Ս: 'U',
  // Latin small capitals, IPA and other look-alikes
  ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ꜰ: 'f', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n', ᴏ: 'o',
  ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z', ı: 'i', ȷ: 'j', ɑ: 'a', ɩ: 'i', ɵ: 'o', ƅ: 'b',
};

/** UTF-16 code unit → replacement code unit. Every key and value is a single BMP unit. */
export const CONFUSABLES: ReadonlyMap<number, number> = new Map(
  Object.entries(PAIRS).map(([from, to]) => [from.charCodeAt(0), to.charCodeAt(0)]),
);
