// Renderer entry: window.api comes from the preload (desktop) or the browser-mode bridge (api.ts).
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import './api'
import { App } from './App'
import './screens'
import './styles.css'

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
