#!/usr/bin/env node
// Part of `npm run build`: the libraries whose many small modules cost start-up time, each as one
// file in dist/vendor/ (esbuild; a dev dependency, never shipped as code that runs esbuild).
//
// - Kysely (~300 modules): Node 20 loads them in about 0.1 s of CPU, which every command that
//   touches crm-rescue's own tables (stage, merge, undo, the console) paid at start; one file
//   loads in about 0.02 s. src/dialect/own-tables-db.ts loads dist/vendor/kysely.js when it
//   exists (the built CLI) and the package itself otherwise (tests run from src/).
// - Ink with its dependencies (yoga-layout, es-toolkit, chalk, …, several hundred modules):
//   about 0.38 s of CPU to import, which the console paid before its first frame; one file:
//   about 0.09 s. React stays outside the bundle, so Ink and the console share one React. The
//   compiled console (dist/src/**) imports 'ink'; those imports are pointed at the bundle here.
//   react-devtools-core, which Ink imports only when DEV=true, is left out.
import { build } from 'esbuild';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = { absWorkingDir: root, bundle: true, format: 'esm', platform: 'node', target: 'node20', legalComments: 'inline', logLevel: 'warning' };

await build({ ...common, entryPoints: ['kysely'], outfile: 'dist/vendor/kysely.js' });

const noDevtools = {
  name: 'no-react-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'absent' }));
    b.onLoad({ filter: /.*/, namespace: 'absent' }, () => ({
      contents: "throw new Error('react-devtools-core is not bundled with crm-rescue');",
      loader: 'js',
    }));
  },
};
await build({
  ...common,
  entryPoints: ['ink'],
  outfile: 'dist/vendor/ink.js',
  external: ['react'],
  plugins: [noDevtools],
  // Ink's CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __crmRescueRequire } from 'node:module'; const require = __crmRescueRequire(import.meta.url);" },
});

// The compiled console imports the bundle, not the package.
const vendorInk = join(root, 'dist/vendor/ink.js');
let pointed = 0;
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.js')) {
      const text = readFileSync(p, 'utf8');
      if (text.includes('vendor/ink.js')) pointed++;
      if (!text.includes("from 'ink'")) continue;
      let rel = relative(dirname(p), vendorInk);
      if (!rel.startsWith('.')) rel = `./${rel}`;
      writeFileSync(p, text.replaceAll("from 'ink'", `from '${rel}'`));
      pointed++;
    }
  }
};
walk(join(root, 'dist/src'));
if (!pointed) throw new Error("bundle-vendor: no compiled module imports 'ink': has the build layout changed?");
