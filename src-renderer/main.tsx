// Renderer entry: window.api comes from the preload (desktop) or the browser-mode bridge (api.ts).
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import './api'
import { App } from './App'
import { loadChineseFont, watchFontLoads } from './fonts'
import { useLang } from './i18n'
import './screens'
import './styles.css'

watchFontLoads()
useLang.subscribe((s) => {
  if (s.lang === 'zh-CN') void loadChineseFont()
})
const fontsReady = useLang.getState().lang === 'zh-CN' ? loadChineseFont() : Promise.resolve()

void fontsReady.then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
)
