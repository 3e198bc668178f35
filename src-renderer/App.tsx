// The app frame: navigation built from the screen registry, language switch, and the current screen.
// Themes follow the OS (prefers-color-scheme) through CSS variables in styles.css.
import { useEffect } from 'react'
import { defineMessages, useLang, useT, type Lang } from './i18n'
import { allScreens } from './screens/registry'
import { useNav } from './stores/nav'
import { subscribeTaskEvents } from './stores/tasks'

const messages = defineMessages({
  en: { nav: 'Main navigation', language: 'Language', skip: 'Skip to content' },
  'zh-CN': { nav: '主导航', language: '语言', skip: '跳到内容' },
})

export function App() {
  const t = useT(messages)
  const { lang, setLang } = useLang()
  const screen = useNav((s) => s.screen)
  const go = useNav((s) => s.go)
  const opened = useNav((s) => s.opened)
  const screens = allScreens()
  const current = screens.find((s) => s.id === screen) ?? screens[0]
  const Current = current.component

  useEffect(() => {
    subscribeTaskEvents()
    document.documentElement.lang = lang
  }, [lang])

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('skip')}
      </a>
      <nav className="sidebar" aria-label={t('nav')}>
        <div className="brand">Preflight</div>
        <ul>
          {screens
            .filter((s) => !s.hidden || (s.whileOpen && opened[s.id]))
            .map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  className={`nav-item${s.id === current.id ? ' active' : ''}`}
                  aria-current={s.id === current.id ? 'page' : undefined}
                  onClick={() => go(s.id, s.whileOpen ? opened[s.id] : undefined)}
                  data-testid={`nav-${s.id}`}
                >
                  {s.label[lang]}
                  {s.whileOpen && typeof opened[s.id]?.path === 'string' && (
                    <span className="nav-detail">{String(opened[s.id].path).split(/[\\/]/).pop()}</span>
                  )}
                </button>
              </li>
            ))}
        </ul>
        <label className="lang">
          <span>{t('language')}</span>
          <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="language">
            <option value="en">English</option>
            <option value="zh-CN">简体中文</option>
          </select>
        </label>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Current key={current.id} />
      </main>
    </div>
  )
}
