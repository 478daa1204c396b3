import { defineConfig } from 'tsup';

// One build for every public entry: ESM + CJS + .d.ts each, so `tenantguard`,
// its subpaths and the CLI resolve the same way for import and require.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    express: 'src/adapters/express/index.ts',
    fastify: 'src/adapters/fastify/index.ts',
    testing: 'src/testing/index.ts',
    cli: 'src/migrate/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  shims: true,
  splitting: false,
  treeshake: true,
});
