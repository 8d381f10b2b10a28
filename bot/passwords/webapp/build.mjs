// Builds dist/index.html: one self-contained page (script, style and the checker's data inline),
// and dist/csp.txt, the Content-Security-Policy the bot sends with it. The same policy is in the
// page's <meta>, so the page keeps it wherever it is opened.
//
//   node build.mjs PAGE-DATA.json   (make writes the JSON with python -m bot.passwords.webapp_data)
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import * as esbuild from 'esbuild'

const [dataPath] = process.argv.slice(2)
if (!dataPath) {
  console.error('usage: node build.mjs PAGE-DATA.json')
  process.exit(2)
}

const bundle = await esbuild.build({
  entryPoints: ['src/main.ts'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2022', 'chrome100', 'safari15'],
  resolveExtensions: ['.ts', '.mjs', '.js'],
  legalComments: 'none',
  banner: { js: '/*! zxcvbn-ts (c) zxcvbn-ts contributors, MIT; fastest-levenshtein (c) ka-weihe, MIT */' },
  write: false,
})
const script = bundle.outputFiles[0].text
const style = await readFile('src/page.css', 'utf8')
// JSON inside <script>: no "<" at all, so nothing in it can close the element.
const data = (await readFile(dataPath, 'utf8')).replace(/</g, '\\u003c')
JSON.parse(data)
if (/<\/script/i.test(script) || /<\/style/i.test(style)) {
  throw new Error('the script or the style would close its element')
}

const hash = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
// Nothing may be fetched, sent, framed or stored by the page: only its own inline script and
// style run, and connect-src 'none' stops any request from script.
const csp = [
  "default-src 'none'",
  `script-src ${hash(script)}`,
  `style-src ${hash(style)}`,
  "img-src 'none'",
  "font-src 'none'",
  "connect-src 'none'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
].join('; ')

const template = await readFile('src/page.html', 'utf8')
const parts = { CSP: csp, STYLE: style, DATA: data, SCRIPT: script }
const page = template.replace(/%(CSP|STYLE|DATA|SCRIPT)%/g, (_, name) => parts[name])

await mkdir('dist', { recursive: true })
await writeFile('dist/index.html', page)
await writeFile('dist/csp.txt', `${csp}\n`)
console.log(`dist/index.html: ${(page.length / 1024).toFixed(0)} KiB (script ${(script.length / 1024).toFixed(0)} KiB)`)
