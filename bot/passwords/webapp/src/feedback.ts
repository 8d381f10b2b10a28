// Port of bot/passwords/zxcvbn_keys.py and of zxcvbn 4.5.0's feedback, giving message keys
// (content/strings/<lang>/passwords.toml) instead of zxcvbn's English.
import { codePoints } from './data'
import { DECORATION, Match, USER_INPUTS } from './analyzer'

interface Stock {
  warning: string | null
  suggestions: string[]
}

const LAST_EXPLAINED_SCORE = 2
const STOCK_NAME_DICTIONARIES = ['male_names', 'female_names', 'surnames']
const START_UPPER = /^[A-Z][^A-Z]+$/
const ALL_UPPER = /^[^a-z]+$/
const UPPER = /\p{Lu}/u
const LOWER = /\p{Ll}/u

export function feedbackKeys(
  score: number,
  sequence: Match[],
  strongEnoughScore: number,
): [string[], string[]] {
  const explain = score < strongEnoughScore
  const stock = stockFeedback(explain ? Math.min(score, LAST_EXPLAINED_SCORE) : score, sequence)
  const warnings = stock.warning ? [stock.warning] : []
  let suggestions = [...stock.suggestions]
  if (explain && sequence.length > 0) {
    suggestions = suggestions.filter((key) => key !== 'capitalization' && key !== 'all_uppercase')
    suggestions.push(...capitalsAdvice(longestMatch(sequence)))
    const extra = weaknesses(sequence)
    warnings.push(...extra)
    if (extra.includes('user_input') || extra.includes('name_with_year')) {
      suggestions.push('avoid_personal_info')
    }
  }
  return [unique(warnings), unique(suggestions)]
}

function longestMatch(sequence: Match[]): Match {
  let longest = sequence[0]
  for (const match of sequence.slice(1)) {
    if (codePoints(match.token).length > codePoints(longest.token).length) {
      longest = match
    }
  }
  return longest
}

function stockFeedback(score: number, sequence: Match[]): Stock {
  if (sequence.length === 0) {
    return { warning: null, suggestions: ['use_few_words', 'no_need_for_symbols'] }
  }
  if (score > LAST_EXPLAINED_SCORE) {
    return { warning: null, suggestions: [] }
  }
  const feedback = matchFeedback(longestMatch(sequence), sequence.length === 1)
  if (feedback === null) {
    return { warning: null, suggestions: ['add_word'] }
  }
  feedback.suggestions.unshift('add_word')
  return feedback
}

function matchFeedback(match: Match, soleMatch: boolean): Stock | null {
  switch (match.pattern) {
    case 'dictionary':
      return dictionaryFeedback(match, soleMatch)
    case 'spatial':
      return {
        warning: match.turns === 1 ? 'straight_row' : 'keyboard_pattern',
        suggestions: ['longer_keyboard_pattern'],
      }
    case 'repeat':
      return {
        warning:
          codePoints(match.baseToken as string).length === 1
            ? 'repeated_character'
            : 'repeated_pattern',
        suggestions: ['avoid_repeats'],
      }
    case 'sequence':
      return { warning: 'sequence', suggestions: ['avoid_sequences'] }
    case 'regex':
      return { warning: 'recent_year', suggestions: ['avoid_recent_years', 'avoid_personal_years'] }
    case 'date':
      return { warning: 'date', suggestions: ['avoid_personal_dates'] }
    default:
      return null
  }
}

function dictionaryFeedback(match: Match, soleMatch: boolean): Stock {
  let warning: string | null = null
  const name = match.dictionaryName as string
  if (name === 'passwords') {
    if (soleMatch && !match.l33t && !match.reversed) {
      const rank = match.rank as number
      warning = rank <= 10 ? 'top_10' : rank <= 100 ? 'top_100' : 'very_common'
    } else if ((match.guessesLog10 as number) <= 4) {
      warning = 'similar_to_common'
    }
  } else if (name === 'english_wikipedia') {
    if (soleMatch) {
      warning = 'word_by_itself'
    }
  } else if (STOCK_NAME_DICTIONARIES.includes(name)) {
    warning = soleMatch ? 'name_by_itself' : 'common_names'
  }
  const suggestions: string[] = []
  const word = match.token
  if (START_UPPER.test(word)) {
    suggestions.push('capitalization')
  } else if (ALL_UPPER.test(word) && word.toLowerCase() !== word) {
    suggestions.push('all_uppercase')
  }
  if (match.reversed && codePoints(word).length >= 4) {
    suggestions.push('reversed_words')
  }
  if (match.l33t) {
    suggestions.push('predictable_substitutions')
  }
  return { warning, suggestions }
}

function capitalsAdvice(match: Match): string[] {
  if (match.pattern !== 'dictionary') {
    return []
  }
  const chars = codePoints(match.token)
  const upperAfterFirst = chars.slice(1).some((c) => UPPER.test(c))
  if (UPPER.test(chars[0]) && !upperAfterFirst && chars.length > 1) {
    return ['capitalization']
  }
  if (chars.some((c) => UPPER.test(c)) && !chars.some((c) => LOWER.test(c))) {
    return ['all_uppercase']
  }
  return []
}

function weaknesses(sequence: Match[]): string[] {
  const keys: string[] = []
  let hasName = false
  let hasYear = false
  for (const match of sequence) {
    if (match.pattern === 'dictionary') {
      keys.push(...dictionaryWeakness(match))
      hasName ||=
        match.kzKind === 'names' || STOCK_NAME_DICTIONARIES.includes(match.dictionaryName as string)
    } else if (match.pattern === DECORATION) {
      keys.push('predictable_additions')
    }
    hasYear ||= isYearLike(match)
  }
  if (hasName && hasYear) {
    keys.push('name_with_year')
  }
  return keys
}

function dictionaryWeakness(match: Match): string[] {
  if (match.dictionaryName === USER_INPUTS) {
    return ['user_input']
  }
  if (match.kzWrongLayout) {
    return ['wrong_layout_word']
  }
  const kind = match.kzKind
  if (kind === 'walks') {
    return ['straight_row']
  }
  // eslint-disable-next-line no-control-regex
  if ((kind === 'passwords' || kind === 'words') && !/^[\x00-\x7f]*$/.test(match.token)) {
    return ['cyrillic_common_word']
  }
  if (kind === 'places') {
    return ['place_name']
  }
  return []
}

function isYearLike(match: Match): boolean {
  if (match.pattern === 'date' || match.pattern === 'regex') {
    return true
  }
  const digits = match.pattern === DECORATION ? (match.digits as string) : match.token
  if (!/^[0-9]+$/.test(digits)) {
    return false
  }
  const year = parseInt(digits, 10)
  return digits.length === 2 || (digits.length === 4 && year >= 1900 && year < 2050)
}

function unique(keys: string[]): string[] {
  return [...new Set(keys)]
}
