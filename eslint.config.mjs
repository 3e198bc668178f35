// Lint: typescript-eslint's recommended rules over all sources and tests, Prettier's formatting, and the house's
// architecture:
// - floors: a room of src-main may import only rooms on its own floor or below (FLOORS, bottom first; shown in
//   docs/ARCHITECTURE.md); the renderer and the preload never import src-main. Built on eslint's own
//   no-restricted-imports: one config per room and folder depth, so an import string resolves to exactly one room.
// - only the Electron shell imports 'electron';
// - the app's sources never write to the console (the CLI writes through its io, services through their sinks).
// Import cycles (runtime and type-only) are dependency-cruiser's job (.dependency-cruiser.cjs, run in `npm run lint`).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** src-main's rooms (folders, or top-level files without .ts), bottom floor first. */
export const FLOORS = [
  ['tasks', 'store', 'paths', 'home', 'version'],
  ['reports'],
  ['rules', 'history'],
  ['walk'],
  ['classify', 'containers', 'malware', 'sbom', 'vulns', 'vm'],
  ['inspect'],
  ['repack', 'upload', 'drafts'],
  ['services', 'cli', 'web', 'shell', 'index'],
]
/** The rooms that are one file at the top of src-main rather than a folder. */
const TOP_LEVEL_FILES = new Set(['paths', 'home', 'version', 'index'])
const NO_ELECTRON = {
  name: 'electron',
  message: "Only the Electron shell (src-main/index.ts, src-main/shell/) imports 'electron'.",
}
const MAX_DEPTH = 4
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function restricted({ electron, patterns }) {
  return ['error', { paths: electron ? [] : [NO_ELECTRON], patterns }]
}

/** One config per room and depth below src-main: the imports that reach a room on a higher floor. */
function floorConfigs() {
  const configs = []
  FLOORS.forEach((rooms, floor) => {
    const above = FLOORS.slice(floor + 1).flat()
    for (const room of rooms) {
      const isFile = TOP_LEVEL_FILES.has(room)
      for (let depth = isFile ? 0 : 1; depth <= (isFile ? 0 : MAX_DEPTH); depth++) {
        const files = isFile ? [`src-main/${room}.ts`] : [`src-main/${room}/${'*/'.repeat(depth - 1)}*.ts`]
        const up = depth === 0 ? '\\./' : `(\\.\\./){${depth}}`
        const patterns = above.length
          ? [
              {
                regex: `^${up}(${above.map(escape).join('|')})(/|$)`,
                message: `${room} is on floor ${floor} of src-main (eslint.config.mjs FLOORS, docs/ARCHITECTURE.md) and may not import a room above it: move the shared piece down into a room both stand on, or pass a sink in.`,
              },
            ]
          : []
        const electron = files.some((f) => f.startsWith('src-main/index') || f.startsWith('src-main/shell/'))
        configs.push({ files, rules: { 'no-restricted-imports': restricted({ electron, patterns }) } })
      }
    }
  })
  return configs
}

const NOT_MAIN = {
  regex: '(^|/)src-main(/|$)',
  message:
    'The renderer and the preload never import src-main: what they share with it lives in src-preload (the contract, errors, the rule catalogue).',
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.tmp/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src-main/**/*.ts', 'src-preload/**/*.ts', 'src-renderer/**/*.{ts,tsx}'],
    rules: { 'no-console': 'error' },
  },
  ...floorConfigs(),
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': restricted({ electron: false, patterns: [NOT_MAIN] }) },
  },
  {
    files: ['src-preload/**/*.ts'],
    ignores: ['src-preload/index.ts'],
    rules: {
      'no-restricted-imports': restricted({
        electron: false,
        patterns: [
          NOT_MAIN,
          { regex: '(^|/)src-renderer(/|$)', message: 'src-preload is below the renderer: it never imports it.' },
        ],
      }),
    },
  },
  {
    files: ['src-preload/index.ts'],
    rules: { 'no-restricted-imports': restricted({ electron: true, patterns: [NOT_MAIN] }) },
  },
)
