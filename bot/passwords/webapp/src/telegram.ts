// Telegram's side of a Mini App, without Telegram's web-app script: the page loads no code but
// its own. Telegram passes the launch parameters in the URL's fragment (never sent to a server)
// and takes events through the documented bridges (core.telegram.org/api/web-events).

export interface TelegramUser {
  first_name?: string
  last_name?: string
  username?: string
  language_code?: string
}

export interface Launch {
  theme: Record<string, string>
  user: TelegramUser | null
}

export function readLaunch(hash: string): Launch {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  return {
    theme: parseJson<Record<string, string>>(params.get('tgWebAppThemeParams')) ?? {},
    user: parseJson<TelegramUser>(new URLSearchParams(params.get('tgWebAppData') ?? '').get('user')),
  }
}

function parseJson<T>(text: string | null): T | null {
  if (!text) {
    return null
  }
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as T) : null
  } catch {
    return null
  }
}

const COLOR = /^#[0-9a-fA-F]{3,8}$/
const NAME = /^[a-z_]{1,40}$/

/** Telegram's theme as CSS variables (--tg-bg-color for bg_color…); anything odd is ignored. */
export function applyTheme(root: HTMLElement, theme: Record<string, string>): void {
  for (const [name, value] of Object.entries(theme)) {
    if (NAME.test(name) && typeof value === 'string' && COLOR.test(value)) {
      root.style.setProperty(`--tg-${name.replace(/_/g, '-')}`, value)
    }
  }
}

interface Bridge {
  TelegramWebviewProxy?: { postEvent(type: string, data: string): void }
  Telegram?: { WebView?: { receiveEvent?: (type: string, data: unknown) => void } }
}

/** Tell Telegram something (ready, expand); outside Telegram there is no one to tell. */
export function postEvent(type: string, data: Record<string, unknown> = {}): void {
  const bridge = window as unknown as Bridge
  if (bridge.TelegramWebviewProxy) {
    bridge.TelegramWebviewProxy.postEvent(type, JSON.stringify(data))
  } else if (window.parent !== window) {
    window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), '*')
  }
}

/** Follow the theme when the person switches it while the page is open. */
export function onThemeChanged(callback: (theme: Record<string, string>) => void): void {
  const handle = (type: unknown, data: unknown): void => {
    const params = (data as { theme_params?: unknown } | null)?.theme_params
    if (type === 'theme_changed' && typeof params === 'object' && params !== null) {
      callback(params as Record<string, string>)
    }
  }
  const bridge = window as unknown as Bridge
  bridge.Telegram = bridge.Telegram ?? {}
  bridge.Telegram.WebView = bridge.Telegram.WebView ?? {}
  bridge.Telegram.WebView.receiveEvent = handle
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window.parent || typeof event.data !== 'string') {
      return
    }
    try {
      const message = JSON.parse(event.data) as { eventType?: unknown; eventData?: unknown }
      handle(message.eventType, message.eventData)
    } catch {
      // not one of Telegram's messages
    }
  })
}
