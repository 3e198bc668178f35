// The tool's own name and version, read once from package.json.
import pkg from '../package.json'

export const TOOL = { name: 'preflight' as const, version: pkg.version }
