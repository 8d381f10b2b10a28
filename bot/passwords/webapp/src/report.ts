// Port of bot/passwords/report.py: the verdict as the bot's message, in the person's language,
// from the same texts (content/strings/<lang>/passwords.toml).
import { Entry, PageData } from './data'
import { Verdict } from './checker'

const PREFIX = 'passwords.'

export interface Piece {
  key: string
  params?: Record<string, number | Piece>
}

export type Section = Piece[]

export function verdictReport(verdict: Verdict, d: PageData): Section[] {
  const level = d.strengths[verdict.score]
  const summary: Piece[] = [
    {
      key: `${PREFIX}verdict.strength`,
      params: {
        bar: { key: `${PREFIX}bar.${level}` },
        strength: { key: `${PREFIX}strength.${level}` },
      },
    },
    { key: `${PREFIX}verdict.crack_time`, params: { time: crackTime(verdict.crackTimeSeconds, d) } },
  ]
  if (verdict.standardPassword) {
    summary.push({ key: `${PREFIX}standard.${verdict.standardPassword}` })
  }
  const advice = [
    ...verdict.warnings.map((key) => item('warning', 'warnings', key)),
    ...verdict.suggestions.map((key) => item('suggestion', 'suggestions', key)),
  ]
  const rule: Piece[] = [
    { key: `${PREFIX}${verdict.meetsNcaRule ? 'verdict.nca_met' : 'verdict.nca_not_met'}` },
    ...verdict.ncaFailures.map((key) => item('nca_failure', 'nca_failures', key)),
  ]
  const enough = verdict.strongEnough ? 'verdict.strong_enough' : 'verdict.not_strong_enough'
  const conclusion: Piece[] = [{ key: PREFIX + enough }]
  if (verdict.truncated) {
    conclusion.push({ key: `${PREFIX}verdict.truncated`, params: { count: d.maxAnalysedLength } })
  }
  return [summary, advice, rule, conclusion].filter((section) => section.length > 0)
}

export function crackTime(seconds: number, d: PageData): Piece {
  if (seconds < 1) {
    return { key: `${PREFIX}crack_time.instant` }
  }
  for (const [unit, length, limit] of d.timeUnits) {
    if (seconds < limit) {
      const count = Math.min(Math.max(1, roundHalfEven(seconds / length)), Math.floor(limit / length) - 1)
      return { key: `${PREFIX}crack_time.${unit}`, params: { count } }
    }
  }
  return { key: `${PREFIX}crack_time.eternity` }
}

function item(line: string, table: string, key: string): Piece {
  return { key: `${PREFIX}verdict.${line}`, params: { text: { key: `${PREFIX}${table}.${key}` } } }
}

// Python's round(): halves go to the even neighbour.
function roundHalfEven(value: number): number {
  const floor = Math.floor(value)
  const diff = value - floor
  if (diff > 0.5) return floor + 1
  if (diff < 0.5) return floor
  return floor % 2 === 0 ? floor : floor + 1
}

/** Texts of one language: Telegram HTML templates, plural tables chosen by CLDR rules. */
export class Texts {
  private readonly plural: Intl.PluralRules

  constructor(
    private readonly table: Record<string, Entry>,
    lang: string,
  ) {
    this.plural = new Intl.PluralRules(lang)
  }

  get(key: string, params: Record<string, number | string> = {}, html: Set<string> = new Set()): string {
    let entry = this.table[key]
    if (entry === undefined) {
      throw new Error(`no text ${key}`)
    }
    if (typeof entry !== 'string') {
      const count = params.count
      if (typeof count !== 'number') {
        throw new Error(`${key} needs a count`)
      }
      entry = entry[this.plural.select(count)] ?? entry.other
    }
    return entry.replace(/\{\{|\}\}|\{(\w+)\}/g, (whole, name: string | undefined) => {
      if (name === undefined) {
        return whole[0]
      }
      const value = params[name]
      if (value === undefined) {
        return whole
      }
      return html.has(name) || typeof value === 'number' ? String(value) : escapeHtml(value)
    })
  }

  render(sections: Section[]): string[][] {
    return sections.map((section) => section.map((piece) => this.piece(piece)))
  }

  private piece(piece: Piece): string {
    const params: Record<string, number | string> = {}
    const html = new Set<string>()
    for (const [name, value] of Object.entries(piece.params ?? {})) {
      if (typeof value === 'number') {
        params[name] = value
      } else {
        params[name] = this.piece(value)
        html.add(name)
      }
    }
    return this.get(piece.key, params, html)
  }
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;')
}
