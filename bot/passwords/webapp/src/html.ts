// The texts are Telegram HTML (<b>, <i>…); they become DOM nodes through an allow-list, never
// through innerHTML.
const TAGS: Record<string, string> = {
  b: 'strong',
  strong: 'strong',
  i: 'em',
  em: 'em',
  u: 'u',
  ins: 'u',
  s: 's',
  strike: 's',
  del: 's',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
}

export function appendTelegramHtml(parent: HTMLElement, html: string): void {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
  copy(parsed.body, parent)
}

function copy(from: Node, to: HTMLElement): void {
  for (const node of Array.from(from.childNodes)) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(node.textContent ?? '')
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = TAGS[(node as Element).tagName.toLowerCase()]
      if (tag) {
        const element = document.createElement(tag)
        copy(node, element)
        to.append(element)
      } else {
        copy(node, to)
      }
    }
  }
}
