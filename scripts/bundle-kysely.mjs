#!/usr/bin/env node
// Part of `npm run build`: Kysely as one file, dist/vendor/kysely.js.
// Kysely's ESM build is ~300 modules; Node 20 loads them in about 0.1 s of CPU, which every
// command that touches crm-rescue's own tables (stage, merge, undo, the console) paid at start.
// The same code bundled into one file loads in about 0.02 s. src/dialect/own-tables-db.ts loads
// this file when it exists (the built CLI) and the package itself otherwise (tests run from src/).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ['kysely'],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: 'dist/vendor/kysely.js',
  legalComments: 'inline',
  logLevel: 'warning',
});
