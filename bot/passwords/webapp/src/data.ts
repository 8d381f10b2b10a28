// The checker's data and texts, exported from the Python side at build time
// (bot/passwords/webapp_data.py) and embedded in the page.

export type Entry = string | Record<string, string>

export interface WordListData {
  kind: string
  wrongLayout: boolean
  words: string // one word a line, most common first
}

export type Graph = Record<string, (string | null)[]>

export interface PageData {
  langs: string[]
  defaultLang: string
  texts: Record<string, Record<string, Entry>>
  frequencyLists: Record<string, string>
  lexicon: {
    name: string
    lists: WordListData[]
    feedbackAs: Record<string, string>
    minWordLength: number
    minWrongLayoutLength: number
    maxContextInputs: number
    maxContextLength: number
  }
  layout: {
    toLatin: Record<string, string>
    toCyrillic: Record<string, string>
    cyrillicShifted: string
    shiftedSymbols: Record<string, string>
    folding: Record<string, string>
  }
  graphs: Record<string, Graph>
  cyrillicGraph: string
  l33tTable: Record<string, string[]>
  maxL33tChoices: number
  recentYear: string
  decoration: { symbol: string; maxDigits: number; maxSymbols: number; guessesPerSymbol: number }
  scoring: {
    referenceYear: number
    minYearSpace: number
    keyboardAverageDegree: number
    keyboardStartingPositions: number
    keypadAverageDegree: number
    keypadStartingPositions: number
    thresholds: number[]
    delta: number
    guessesPerSecond: number
  }
  standardPasswords: Record<string, string>
  maxAnalysedLength: number
  strongEnoughScore: number
  nca: { minLength: number; failures: string[] }
  strengths: string[]
  timeUnits: [string, number, number][]
}

export function readPageData(doc: Document): PageData {
  const element = doc.getElementById('page-data')
  if (element === null || element.textContent === null) {
    throw new Error('page data missing')
  }
  return JSON.parse(element.textContent) as PageData
}

// Dictionaries without a prototype: a password such as "constructor" must not find
// Object.prototype's members in them.
export type Ranked = Record<string, number>

export function emptyRanked(): Ranked {
  return Object.create(null) as Ranked
}

export function rankedFromList(words: string[]): Ranked {
  const ranked = emptyRanked()
  words.forEach((word, index) => {
    ranked[word] = index + 1
  })
  return ranked
}

// Python counts characters as code points; so does everything here that measures text.
export function codePoints(text: string): string[] {
  return Array.from(text)
}
