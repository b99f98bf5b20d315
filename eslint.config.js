// ESLint flat config: @eslint/js recommended + typescript-eslint's type-aware recommended set, with the
// promise rules as errors (an un-awaited promise is an error nobody sees), and the React hooks rules for
// the console. Style is Prettier's job (`prettier --check .` in `npm run lint`); eslint-config-prettier is
// not needed because none of the configs below turns on a formatting rule.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores(['dist/', 'node_modules/', 'coverage/', 'bench/results/']),

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Type information from tsconfig.json (src, commands, test, bench); the root config files are outside it.
        projectService: { allowDefaultProject: ['vitest.config.ts'], defaultProject: 'tsconfig.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A dropped promise loses its rejection: a failed write or query would go unreported.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Passing on a caught error (typed unknown) is fine, as only-throw-error allows rethrowing it.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `_name` marks a parameter or binding kept on purpose (a callback's signature, a rest-omit).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Off: `async` without `await` is how a Promise-returning interface is implemented here (fakes, close(), count()), and it turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // Off: String(v) on driver values (typed unknown, narrowed only to {}) is the deliberate scalar-to-text step; objects are JSON-encoded before it.
      '@typescript-eslint/no-base-to-string': 'off',
      // Off: the control characters in regexes are the point (escaping names, stripping pasted input, ANSI escapes in tests).
      'no-control-regex': 'off',
    },
  },

  // Tests read the CLI's JSON output and driver rows (any) and check them with expect(): a wrong shape fails the assertion.
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  // Hooks live in .tsx components and in the console's use-*.ts files.
  {
    files: ['**/*.tsx', 'src/tui/**/*.ts'],
    ...reactHooks.configs.flat.recommended,
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      // A missing dependency is a stale-closure bug: fail on it like on any other finding.
      'react-hooks/exhaustive-deps': 'error',
      // Off: a React Compiler rule; the console's hooks sync state in effects on purpose (a task ended, a window resized), and the TUI tests pin the frames that follow.
      'react-hooks/set-state-in-effect': 'off',
    },
  },

  // Plain JavaScript (benchmarks, a test's child-process script, this file): Node globals, no type information.
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
]);
