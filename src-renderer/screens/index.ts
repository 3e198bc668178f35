// Every screen, in navigation order. One import and one entry per screen.
import { Home } from './Home'
import { registerScreens } from './registry'

registerScreens([
  { id: 'home', label: { en: 'Home', 'zh-CN': '首页' }, component: Home },
])
