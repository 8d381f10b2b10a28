// Port of bot/passwords/dictionaries.py: every spelling people type, merged into one dictionary.
import { codePoints, emptyRanked, PageData, Ranked } from './data'

export interface Entry {
  kind: string
  wrongLayout: boolean
}

export class Spelling {
  private readonly toLatin: Record<string, string>
  private readonly toCyrillic: Record<string, string>
  private readonly folding: Record<string, string>

  constructor(private readonly data: PageData) {
    this.toLatin = data.layout.toLatin
    this.toCyrillic = data.layout.toCyrillic
    this.folding = data.layout.folding
  }

  typedOnLatin(word: string): string | null {
    const chars = codePoints(word)
    if (!chars.some((c) => c in this.toLatin && !(c in this.toCyrillic))) {
      return null
    }
    const typed: string[] = []
    for (const c of chars) {
      const key = this.toLatin[c]
      if (key === undefined) {
        return null
      }
      typed.push(key)
    }
    return typed.join('')
  }

  asCyrillic(typed: string): string {
    return codePoints(typed)
      .map((c) => this.toCyrillic[c] ?? c)
      .join('')
  }

  variants(word: string, wrongLayout = true): [string, boolean][] {
    const simplified = codePoints(word)
      .map((c) => this.folding[c] ?? c)
      .join('')
    const forms = simplified === word ? [word] : [word, simplified]
    const found: [string, boolean][] = forms.map((form) => [form, false])
    if (wrongLayout) {
      for (const form of forms) {
        const typed = this.typedOnLatin(form)
        if (typed !== null && codePoints(typed).length >= this.data.lexicon.minWrongLayoutLength) {
          found.push([typed, true])
        }
      }
    }
    return found
  }
}

export interface Lexicon {
  ranked: Ranked
  entries: Record<string, Entry>
}

export function buildLexicon(data: PageData, spelling: Spelling): Lexicon {
  const ranked = emptyRanked()
  const entries = Object.create(null) as Record<string, Entry>
  for (const list of data.lexicon.lists) {
    const words = list.words.split('\n')
    words.forEach((word, index) => {
      const rank = index + 1
      for (const [form, wrongLayout] of spelling.variants(word, list.wrongLayout)) {
        const known = ranked[form]
        if (known === undefined || rank < known) {
          ranked[form] = rank
          entries[form] = { kind: list.kind, wrongLayout }
        }
      }
    })
  }
  return { ranked, entries }
}

const PARTS = /\p{Nd}+|[\p{L}\p{M}]+/gu

// The user's own name and username, whole, in parts and in all spellings.
export function contextWords(userInputs: string[], data: PageData, spelling: Spelling): string[] {
  const words = new Set<string>()
  const { maxContextInputs, maxContextLength, minWordLength } = data.lexicon
  for (const value of userInputs.slice(0, maxContextInputs)) {
    if (!value) {
      continue
    }
    const text = codePoints(value.normalize('NFC'))
      .slice(0, maxContextLength)
      .join('')
      .toLowerCase()
      .trim()
    for (const candidate of [text, ...(text.match(PARTS) ?? [])]) {
      if (codePoints(candidate).length >= minWordLength) {
        for (const [form] of spelling.variants(candidate)) {
          words.add(form)
        }
      }
    }
  }
  return [...words]
}
