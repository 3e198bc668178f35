// Import cycles (runtime and type-only) fail lint: `npm run lint` runs dependency-cruiser over the three source
// roots with TypeScript's pre-compilation dependencies, so an `import type` circle counts as one. The floors
// (which room may import which) are eslint's job: eslint.config.mjs, docs/ARCHITECTURE.md.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (runtime or type-only): move the shared piece down into the room both stand on.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
  },
}
