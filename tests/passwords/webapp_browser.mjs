// Drives the password check page in Debian's Chromium with playwright-core, for
// test_webapp_browser.py. Reads a job as JSON on stdin, prints the results as JSON on stdout.
//
// job: { webappDir, executable, url, hash, passwords: [..], userInputsCheck: {..},
//        screenshots: { dir, password } | null }
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const job = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const require = createRequire(join(resolve(job.webappDir), 'package.json'))
const { chromium } = require('playwright-core')

const browser = await chromium.launch({
  executablePath: job.executable,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
})
const out = { requests: [], requestsAfterLoad: [], verdicts: [], screenshots: [], checks: {} }

async function open(lang, hash = '', size = { width: 390, height: 844 }) {
  const context = await browser.newContext({ viewport: size, serviceWorkers: 'block' })
  const page = await context.newPage()
  let loaded = false
  page.on('request', (request) => {
    out.requests.push(request.url())
    if (loaded) out.requestsAfterLoad.push(request.url())
  })
  const errors = []
  page.on('pageerror', (error) => errors.push(String(error)))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  await page.goto(`${job.url}?lang=${lang}${hash}`, { waitUntil: 'load' })
  await page.waitForSelector('html[data-ready="true"]')
  loaded = true
  return { context, page, errors }
}

async function rate(page, password) {
  await page.fill('#password', password)
  return page.$eval('#verdict', (el) => ({
    score: el.dataset.score === undefined ? null : Number(el.dataset.score),
    strongEnough: el.dataset.strongEnough === 'true',
    warnings: el.dataset.warnings ? el.dataset.warnings.split(' ') : [],
    suggestions: el.dataset.suggestions ? el.dataset.suggestions.split(' ') : [],
    text: el.innerText,
  }))
}

try {
  // The labelled set, offline once loaded: the page must not need the network again.
  const { context, page, errors } = await open('en')
  await context.setOffline(true)
  // One fill per password would cost two round trips to the browser each: the page rates on
  // each input event, synchronously, so the set is typed in one evaluation; the checks below
  // and the screenshots still type with fill().
  out.verdicts = await page.$eval('#password', (input, passwords) => {
    const box = document.getElementById('verdict')
    return passwords.map((password) => {
      input.value = password
      input.dispatchEvent(new Event('input', { bubbles: true }))
      return {
        score: box.dataset.score === undefined ? null : Number(box.dataset.score),
        strongEnough: box.dataset.strongEnough === 'true',
        warnings: box.dataset.warnings ? box.dataset.warnings.split(' ') : [],
        suggestions: box.dataset.suggestions ? box.dataset.suggestions.split(' ') : [],
        text: box.innerText,
      }
    })
  }, job.passwords)
  out.checks.cookies = (await context.cookies()).length
  out.checks.storage = await page.evaluate(() => localStorage.length + sessionStorage.length)
  out.checks.errors = errors
  out.checks.title = await page.title()
  await context.close()

  // Inside Telegram: the theme and the user come in the fragment; the user's own name counts.
  const telegram = await open('ru', job.hash)
  out.checks.telegramBackground = await telegram.page.evaluate(
    () => getComputedStyle(document.body).backgroundColor,
  )
  out.checks.telegramLang = await telegram.page.evaluate(() => document.documentElement.lang)
  out.checks.userInputVerdict = await rate(telegram.page, job.userInputsCheck.password)
  out.checks.telegramErrors = telegram.errors
  await telegram.context.close()

  if (job.screenshots) {
    for (const lang of ['kk', 'ru', 'en']) {
      const shot = await open(lang, '', { width: 390, height: 760 })
      await rate(shot.page, job.screenshots.password)
      const path = join(job.screenshots.dir, `webapp-${lang}.png`)
      await shot.page.screenshot({ path, fullPage: true })
      out.screenshots.push(path)
      await shot.context.close()
    }
  }
} finally {
  await browser.close()
}
process.stdout.write(JSON.stringify(out))
