// Every screen, in navigation order. One import and one entry per screen.
import { Containers } from './Containers'
import { Databases } from './Databases'
import { Drafts } from './Drafts'
import { History } from './History'
import { Home } from './Home'
import { Package } from './Package'
import { Queue } from './Queue'
import { VmImage } from './VmImage'
import { registerScreens } from './registry'
import { Settings } from './Settings'
import { Wizard } from './wizard/Wizard'

registerScreens([
  { id: 'home', label: { en: 'Home', 'zh-CN': '首页' }, component: Home },
  { id: 'package', label: { en: 'Package', 'zh-CN': '软件包' }, component: Package, hidden: true, whileOpen: true },
  { id: 'vm', label: { en: 'VM image', 'zh-CN': '虚拟机镜像' }, component: VmImage, hidden: true, whileOpen: true },
  { id: 'wizard', label: { en: 'New release', 'zh-CN': '新建发布' }, component: Wizard },
  { id: 'containers', label: { en: 'Container images', 'zh-CN': '容器镜像' }, component: Containers },
  { id: 'drafts', label: { en: 'Drafts', 'zh-CN': '草稿' }, component: Drafts },
  { id: 'queue', label: { en: 'Upload queue', 'zh-CN': '上传队列' }, component: Queue },
  { id: 'databases', label: { en: 'Databases', 'zh-CN': '数据库' }, component: Databases },
  { id: 'settings', label: { en: 'Settings', 'zh-CN': '设置' }, component: Settings },
  { id: 'history', label: { en: 'History', 'zh-CN': '操作记录' }, component: History },
])
