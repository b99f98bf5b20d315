import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { keymapMarkdown } from '../../src/tui/keymap.js';

const DOC = fileURLToPath(new URL('../../docs/keys.md', import.meta.url));

it('docs/keys.md is generated from the keymap (CRM_RESCUE_UPDATE_DOCS=1 rewrites it)', () => {
  const expected = keymapMarkdown();
  if (process.env.CRM_RESCUE_UPDATE_DOCS === '1') writeFileSync(DOC, expected);
  let actual = '';
  try {
    actual = readFileSync(DOC, 'utf8');
  } catch {
    // Missing: reported by the comparison below.
  }
  expect(actual, 'docs/keys.md is out of date: run CRM_RESCUE_UPDATE_DOCS=1 npx vitest run test/tui/keymap-docs.test.ts').toBe(expected);
});
