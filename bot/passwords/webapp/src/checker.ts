// Port of bot/passwords/checker.py: the verdict the bot gives, computed on the device.
import { codePoints, PageData } from './data'
import { Analyzer } from './analyzer'
import { feedbackKeys } from './feedback'
import { buildLexicon, contextWords, Spelling } from './lexicon'

export interface Verdict {
  score: number
  guessesLog10: number
  crackTimeSeconds: number
  meetsNcaRule: boolean
  ncaFailures: string[]
  strongEnough: boolean
  truncated: boolean
  standardPassword: string | null
  warnings: string[]
  suggestions: string[]
}

export class Checker {
  private readonly spelling: Spelling
  private readonly analyzer: Analyzer

  constructor(private readonly data: PageData) {
    this.spelling = new Spelling(data)
    this.analyzer = new Analyzer(data, buildLexicon(data, this.spelling), this.spelling)
  }

  check(password: string, userInputs: string[] = []): Verdict {
    const d = this.data
    const text = password.normalize('NFC')
    const chars = codePoints(text)
    const analysed = chars.slice(0, d.maxAnalysedLength).join('')
    const context = contextWords(userInputs, d, this.spelling)
    const analysis = this.analyzer.analyse(analysed, context)
    const score = this.score(analysis.guesses)
    let [warnings, suggestions] = feedbackKeys(score, analysis.sequence, d.strongEnoughScore)
    if (!text.trim()) {
      warnings = ['empty', ...warnings]
    }
    const failures = ncaFailures(text, d)
    return {
      score,
      guessesLog10: Math.log10(analysis.guesses),
      crackTimeSeconds: analysis.guesses / d.scoring.guessesPerSecond,
      meetsNcaRule: failures.length === 0,
      ncaFailures: failures,
      strongEnough: score >= d.strongEnoughScore,
      truncated: chars.length > d.maxAnalysedLength,
      standardPassword: Object.hasOwn(d.standardPasswords, text.trim())
        ? d.standardPasswords[text.trim()]
        : null,
      warnings,
      suggestions,
    }
  }

  private score(guesses: number): number {
    const { thresholds, delta } = this.data.scoring
    const index = thresholds.findIndex((threshold) => guesses < threshold + delta)
    return index === -1 ? thresholds.length : index
  }
}

function ncaFailures(password: string, d: PageData): string[] {
  const holds = [
    codePoints(password).length >= d.nca.minLength,
    /[A-Z]/.test(password),
    /[a-z]/.test(password),
    /[0-9]/.test(password),
  ]
  return d.nca.failures.filter((_, index) => !holds[index])
}
