// The password check page: rates as the person types, on the device, with the bot's verdict.
import { Checker } from './checker'
import { PageData, readPageData } from './data'
import { appendTelegramHtml } from './html'
import { Texts, verdictReport } from './report'
import { applyTheme, onThemeChanged, postEvent, readLaunch, TelegramUser } from './telegram'

function chooseLang(d: PageData, user: TelegramUser | null): string {
  // The bot puts the person's chosen language in the address; else Telegram's, else the browser's.
  const asked = new URLSearchParams(location.search).get('lang')
  const candidates = [asked, user?.language_code, ...navigator.languages]
  for (const candidate of candidates) {
    const prefix = (candidate ?? '').toLowerCase().split('-')[0]
    const lang = prefix === 'kz' ? 'kk' : prefix
    if (d.langs.includes(lang)) {
      return lang
    }
  }
  return d.defaultLang
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id)
  if (found === null) {
    throw new Error(`#${id} missing`)
  }
  return found as T
}

function start(): void {
  const data = readPageData(document)
  const launch = readLaunch(location.hash)
  const lang = chooseLang(data, launch.user)
  const texts = new Texts(data.texts[lang], lang)
  const root = document.documentElement
  root.lang = lang
  applyTheme(root, launch.theme)
  onThemeChanged((theme) => applyTheme(root, theme))

  const t = (key: string): string => texts.get(`passwords.webapp.${key}`)
  document.title = t('title')
  for (const node of Array.from(document.querySelectorAll<HTMLElement>('[data-text]'))) {
    appendTelegramHtml(node, t(node.dataset.text ?? ''))
  }
  const input = element<HTMLInputElement>('password')
  const toggle = element<HTMLButtonElement>('toggle')
  const meter = element<HTMLElement>('meter')
  const empty = element<HTMLElement>('empty')
  const verdictBox = element<HTMLElement>('verdict')
  input.placeholder = t('placeholder')
  toggle.textContent = t('show')

  const checker = new Checker(data)
  const user = launch.user
  const userInputs = [user?.first_name, user?.last_name, user?.username].filter(
    (value): value is string => typeof value === 'string' && value.length > 0,
  )

  const rate = (): void => {
    const password = input.value
    if (!password) {
      verdictBox.hidden = true
      empty.hidden = false
      meter.dataset.score = ''
      delete verdictBox.dataset.score
      return
    }
    const verdict = checker.check(password, userInputs)
    const paragraphs = texts.render(verdictReport(verdict, data)).map((lines) => {
      const paragraph = document.createElement('p')
      lines.forEach((line, index) => {
        if (index > 0) {
          paragraph.append(document.createElement('br'))
        }
        appendTelegramHtml(paragraph, line)
      })
      return paragraph
    })
    verdictBox.replaceChildren(...paragraphs)
    // The verdict's figures, for assistive tools and the browser test; never the password.
    Object.assign(verdictBox.dataset, {
      score: String(verdict.score),
      strongEnough: String(verdict.strongEnough),
      warnings: verdict.warnings.join(' '),
      suggestions: verdict.suggestions.join(' '),
    })
    meter.dataset.score = String(verdict.score)
    verdictBox.hidden = false
    empty.hidden = true
  }
  input.addEventListener('input', rate)
  toggle.addEventListener('click', () => {
    const shown = input.type === 'text'
    input.type = shown ? 'password' : 'text'
    toggle.textContent = t(shown ? 'show' : 'hide')
    toggle.setAttribute('aria-pressed', String(!shown))
    input.focus()
  })
  rate()
  root.dataset.ready = 'true'
  postEvent('web_app_ready')
  postEvent('web_app_expand')
}

start()
