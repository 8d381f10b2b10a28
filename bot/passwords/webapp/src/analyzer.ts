// The bot's checker (bot/passwords/matching.py) on zxcvbn-ts: zxcvbn-ts finds dictionary,
// reversed, l33t, keyboard, sequence and date matches over the bot's own dictionaries and
// graphs, and searches for the cheapest sequence of matches; every match is priced here the way
// the bot prices it (zxcvbn 4.5.0's formulas, capitals in any script, ЙЦУКЕН walks), and the
// bot's own matchers (repeats, years, digits and symbols stuck to a word, wrong-layout capitals)
// are added, so that the page and the bot reach the same number of guesses.
import { MatcherBaseClass, Options } from '@zxcvbn-ts/core'
import type { MatchExtended } from '@zxcvbn-ts/core'
import Matching from '@zxcvbn-ts/core/dist/Matching'
import Scoring from '@zxcvbn-ts/core/dist/scoring/index'
import { codePoints, PageData, Ranked, rankedFromList } from './data'
import { Lexicon, Spelling } from './lexicon'

export type Match = MatchExtended & {
  guesses?: number
  guessesLog10?: number
  kzKind?: string
  kzWrongLayout?: boolean
  digits?: string
  decorationGuesses?: number
}

export interface Analysis {
  guesses: number
  sequence: Match[]
}

export const USER_INPUTS = 'user_inputs'
export const DECORATION = 'decoration'

const SHIFTED_RX = /[~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:"ZXCVBNM<>?]/
const MIN_SUBMATCH_GUESSES_SINGLE_CHAR = 10
const MIN_SUBMATCH_GUESSES_MULTI_CHAR = 50

// zxcvbn-ts matchers the bot does not have (or has its own version of, added below).
class NoMatches extends MatcherBaseClass {
  match(): MatchExtended[] {
    return []
  }
}
const OFF = { Matching: NoMatches, scoring: () => 0, feedback: () => null }

export class Analyzer {
  private readonly options: Options
  private readonly matching: Matching
  private readonly scoring: Scoring
  private readonly dictionaries: Record<string, Ranked>
  private readonly maxWordSize: Record<string, number>
  private readonly recentYear: RegExp
  private readonly digitsThenSymbols: RegExp
  private readonly symbolsThenDigits: RegExp

  constructor(
    private readonly data: PageData,
    private readonly lexicon: Lexicon,
    private readonly spelling: Spelling,
  ) {
    this.options = new Options(
      { graphs: data.graphs, l33tTable: data.l33tTable, maxLength: data.maxAnalysedLength * 2 },
      { regex: OFF, repeat: OFF, separator: OFF, wordSequence: OFF },
    )
    this.dictionaries = {}
    for (const [name, words] of Object.entries(data.frequencyLists)) {
      this.dictionaries[name] = rankedFromList(words.split('\n'))
    }
    this.dictionaries[data.lexicon.name] = lexicon.ranked
    this.maxWordSize = {}
    for (const [name, ranked] of Object.entries(this.dictionaries)) {
      this.maxWordSize[name] = longest(Object.keys(ranked))
    }
    this.matching = new Matching(this.options)
    this.scoring = new Scoring(this.options)
    this.recentYear = new RegExp(data.recentYear, 'g')
    const { symbol } = data.decoration
    this.digitsThenSymbols = new RegExp(`([0-9]+)(${symbol}+)`, 'g')
    this.symbolsThenDigits = new RegExp(`(${symbol}+)([0-9]+)`, 'g')
  }

  /** The cheapest way to guess `password`, with the user's own words as a dictionary. */
  analyse(password: string, context: string[]): Analysis {
    const userInputs = rankedFromList(context)
    this.options.rankedDictionaries = { ...this.dictionaries, [USER_INPUTS]: userInputs }
    this.options.rankedDictionariesMaxWordSize = {
      ...this.maxWordSize,
      [USER_INPUTS]: longest(context),
    }
    return this.search(password)
  }

  private search(password: string): Analysis {
    if (!password) {
      return { guesses: 1, sequence: [] }
    }
    const matches = this.matches(password)
    for (const match of matches) {
      this.estimate(match, password)
    }
    const result = this.scoring.mostGuessableMatchSequence(password, matches)
    return { guesses: result.guesses, sequence: result.sequence as Match[] }
  }

  private matches(password: string): Match[] {
    const found = this.matching.match(password) as Match[]
    return [
      ...found,
      ...this.repeatMatches(password),
      ...this.regexMatches(password),
      ...this.decorationMatches(password),
      ...this.shiftedLayoutMatches(password),
    ].sort((a, b) => a.i - b.i || a.j - b.j)
  }

  private regexMatches(password: string): Match[] {
    const found: Match[] = []
    this.recentYear.lastIndex = 0
    for (let m = this.recentYear.exec(password); m; m = this.recentYear.exec(password)) {
      found.push({
        pattern: 'regex',
        token: m[0],
        i: m.index,
        j: m.index + m[0].length - 1,
        regexName: 'recent_year',
        regexMatch: [m[0]],
      })
    }
    return found
  }

  private repeatMatches(password: string): Match[] {
    // bot/passwords/matching.py's repeat search; Python's "." is anything but a line feed.
    const greedyRx = /([^\n]+)\1+/gu
    const lazyRx = /([^\n]+?)\1+/gu
    const anchoredRx = /^([^\n]+?)\1+$/u
    const found: Match[] = []
    let start = 0
    while (start < password.length) {
      greedyRx.lastIndex = start
      lazyRx.lastIndex = start
      const greedy = greedyRx.exec(password)
      const lazy = lazyRx.exec(password)
      if (greedy === null || lazy === null) {
        break
      }
      let hit: RegExpExecArray
      let base: string
      if (greedy[0].length > lazy[0].length) {
        hit = greedy
        const anchored = anchoredRx.exec(greedy[0])
        base = anchored ? anchored[1] : greedy[1]
      } else {
        hit = lazy
        base = lazy[1]
      }
      const analysis = this.search(base)
      found.push({
        pattern: 'repeat',
        i: hit.index,
        j: hit.index + hit[0].length - 1,
        token: hit[0],
        baseToken: base,
        baseGuesses: analysis.guesses,
        baseMatches: analysis.sequence,
        repeatCount: hit[0].length / base.length,
      })
      start = hit.index + hit[0].length
    }
    return found
  }

  private decorationMatches(password: string): Match[] {
    const { maxDigits, maxSymbols, guessesPerSymbol } = this.data.decoration
    const cache = new Map<string, number>()
    const digitGuesses = (digits: string): number => {
      let guesses = cache.get(digits)
      if (guesses === undefined) {
        guesses = this.search(digits).guesses
        cache.set(digits, guesses)
      }
      return guesses
    }
    const found: Match[] = []
    const add = (start: number, end: number, digits: string, symbols: number): void => {
      found.push({
        pattern: DECORATION,
        i: start,
        j: end - 1,
        token: password.slice(start, end),
        digits,
        decorationGuesses: digitGuesses(digits) * guessesPerSymbol ** symbols,
      })
    }
    this.digitsThenSymbols.lastIndex = 0
    for (const m of password.matchAll(this.digitsThenSymbols)) {
      const [, digits, symbols] = m
      const joint = m.index + digits.length
      if (digits.length <= maxDigits) {
        for (let s = 1; s <= Math.min(symbols.length, maxSymbols); s += 1) {
          add(m.index, joint + s, digits, s)
        }
      }
    }
    for (const m of password.matchAll(this.symbolsThenDigits)) {
      const [, symbols, digits] = m
      const joint = m.index + symbols.length
      if (digits.length <= maxDigits) {
        for (let s = 1; s <= Math.min(symbols.length, maxSymbols); s += 1) {
          add(joint - s, joint + digits.length, digits, s)
        }
      }
    }
    return found
  }

  private shiftedLayoutMatches(password: string): Match[] {
    const shifted = this.data.layout.shiftedSymbols
    if (![...password].some((c) => c in shifted)) {
      return []
    }
    const plain = [...password].map((c) => shifted[c] ?? c).join('')
    const lower = plain.toLowerCase()
    const ranked = this.lexicon.ranked
    const found: Match[] = []
    for (let i = 0; i < lower.length; i += 1) {
      for (let j = i; j < lower.length; j += 1) {
        const word = lower.slice(i, j + 1)
        const rank = ranked[word]
        const token = password.slice(i, j + 1)
        if (rank !== undefined && [...token].some((c) => c in shifted)) {
          found.push({
            pattern: 'dictionary',
            i,
            j,
            token,
            matchedWord: word,
            rank,
            dictionaryName: this.data.lexicon.name,
            reversed: false,
            l33t: false,
          })
        }
      }
    }
    return found
  }

  private estimate(match: Match, password: string): void {
    let guesses: number
    switch (match.pattern) {
      case 'dictionary':
        guesses = this.dictionaryGuesses(match)
        break
      case 'spatial':
        guesses = this.spatialGuesses(match)
        break
      case 'sequence':
        guesses = sequenceGuesses(match)
        break
      case 'regex':
        guesses = Math.max(
          Math.abs(parseInt(match.token, 10) - this.data.scoring.referenceYear),
          this.data.scoring.minYearSpace,
        )
        break
      case 'date': {
        const { referenceYear, minYearSpace } = this.data.scoring
        guesses = Math.max(Math.abs((match.year as number) - referenceYear), minYearSpace) * 365
        if (match.separator) {
          guesses *= 4
        }
        break
      }
      case 'repeat':
        guesses = (match.baseGuesses as number) * (match.repeatCount as number)
        break
      case DECORATION:
        guesses = match.decorationGuesses as number
        break
      default:
        return // bruteforce: priced by the search itself, as in zxcvbn
    }
    preset(match, password, guesses)
  }

  private dictionaryGuesses(match: Match): number {
    let capitals = match.token
    if (match.dictionaryName === this.data.lexicon.name) {
      const entry = this.lexicon.entries[match.matchedWord as string]
      match.kzKind = entry.kind
      match.kzWrongLayout = entry.wrongLayout
      match.dictionaryName = this.data.lexicon.feedbackAs[entry.kind]
      if (entry.wrongLayout) {
        capitals = this.spelling.asCyrillic(capitals)
      }
    }
    const rank = match.rank as number
    const reversed = match.reversed ? 2 : 1
    return rank * uppercaseVariations(capitals) * l33tVariations(match) * reversed
  }

  private spatialGuesses(match: Match): number {
    const s = this.data.scoring
    let shiftedCount = match.shiftedCount as number
    let starting = s.keypadStartingPositions
    let degree = s.keypadAverageDegree
    if (match.graph === this.data.cyrillicGraph) {
      // As the bot: a shifted first key counts on ЙЦУКЕН too, and its geometry is QWERTY's.
      const first = match.token.charAt(0)
      shiftedCount += this.data.layout.cyrillicShifted.includes(first) ? 1 : 0
      shiftedCount -= SHIFTED_RX.test(first) ? 1 : 0
      starting = s.keyboardStartingPositions
      degree = s.keyboardAverageDegree
    } else if (match.graph === 'qwerty' || match.graph === 'dvorak') {
      starting = s.keyboardStartingPositions
      degree = s.keyboardAverageDegree
    }
    const length = match.token.length
    const turns = match.turns as number
    let guesses = 0
    for (let i = 2; i <= length; i += 1) {
      for (let j = 1; j <= Math.min(turns, i - 1); j += 1) {
        guesses += nCk(i - 1, j - 1) * starting * degree ** j
      }
    }
    if (shiftedCount) {
      const unshifted = length - shiftedCount
      if (unshifted === 0) {
        guesses *= 2
      } else {
        let variations = 0
        for (let i = 1; i <= Math.min(shiftedCount, unshifted); i += 1) {
          variations += nCk(shiftedCount + unshifted, i)
        }
        guesses *= variations
      }
    }
    return guesses
  }
}

function preset(match: Match, password: string, guesses: number): void {
  let floor = 1
  if (match.token.length !== password.length) {
    floor =
      match.token.length === 1 ? MIN_SUBMATCH_GUESSES_SINGLE_CHAR : MIN_SUBMATCH_GUESSES_MULTI_CHAR
  }
  match.guesses = Math.max(guesses, floor)
  match.guessesLog10 = Math.log10(match.guesses)
}

function sequenceGuesses(match: Match): number {
  const first = match.token.charAt(0)
  let base = 26
  if (['a', 'A', 'z', 'Z', '0', '1', '9'].includes(first)) {
    base = 4
  } else if (/\d/.test(first)) {
    base = 10
  }
  if (!match.ascending) {
    base *= 2
  }
  return base * match.token.length
}

const UPPER = /\p{Lu}/u
const LOWER = /\p{Ll}/u

/** zxcvbn's count of capitalisations an attacker tries, for any script (as the bot's). */
export function uppercaseVariations(word: string): number {
  const chars = codePoints(word)
  const upper = chars.filter((c) => UPPER.test(c)).length
  const lower = chars.filter((c) => LOWER.test(c)).length
  if (upper === 0) {
    return 1
  }
  const first = chars[0]
  const last = chars[chars.length - 1]
  if (lower === 0 || (upper === 1 && (UPPER.test(first) || UPPER.test(last)))) {
    return 2
  }
  let variations = 0
  for (let k = 1; k <= Math.min(upper, lower); k += 1) {
    variations += nCk(upper + lower, k)
  }
  return variations
}

function l33tVariations(match: Match): number {
  if (!match.l33t) {
    return 1
  }
  let variations = 1
  const chars = [...match.token.toLowerCase()]
  const seen = new Set<string>()
  for (const sub of (match.subs ?? []) as { letter: string; substitution: string }[]) {
    const key = `${sub.substitution}\u0000${sub.letter}`
    if (seen.has(key)) {
      continue
    }
    seen.add(key)
    const subbed = chars.filter((c) => c === sub.substitution).length
    const unsubbed = chars.filter((c) => c === sub.letter).length
    if (subbed === 0 || unsubbed === 0) {
      variations *= 2
    } else {
      let possibilities = 0
      for (let i = 1; i <= Math.min(subbed, unsubbed); i += 1) {
        possibilities += nCk(subbed + unsubbed, i)
      }
      variations *= possibilities
    }
  }
  return variations
}

function nCk(n: number, k: number): number {
  if (k > n) {
    return 0
  }
  if (k === 0) {
    return 1
  }
  let r = 1
  for (let d = 1; d <= k; d += 1) {
    r = (r * (n - d + 1)) / d
  }
  return r
}

function longest(words: string[]): number {
  let size = 0
  for (const word of words) {
    size = Math.max(size, word.length)
  }
  return size
}

