import { defineConfig } from 'tsup';

// One file for `npx floe-agent`: the workspace packages are bundled in, npm dependencies stay external.
export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  target: 'node20',
  outDir: 'dist',
  clean: true,
  noExternal: [/^@floe\//],
  // Every npm package stays an import (CommonJS ones such as avsc cannot be bundled into ESM), also
  // those that come in through the bundled workspace packages.
  external: [/^(?!@floe\/)[^./]/],
});
