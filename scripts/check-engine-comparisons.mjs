#!/usr/bin/env node
// Fails when code outside the engine seam asks which engine it talks to. What differs between
// PostgreSQL and MySQL/MariaDB lives in src/dialect (chosen once from the target), src/connect
// (targets and their engine's conventions) and src/exec (the engines' client tools); everything
// else asks the dialect for a capability or a method. A comparison elsewhere is how a second
// dialect grows back, one ternary at a time.
//
// Usage: node scripts/check-engine-comparisons.mjs [paths…]   (default: src commands bin)
// Output: one line per finding, `file:line:col  code  (what was found)`; exit 1 when any.
//
// It parses with TypeScript's own parser (a devDependency), so it sees code only: comments and
// strings that mention an engine are fine, and formatting does not hide a comparison.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..');

/** Folders whose job is to know the engines. */
const ALLOWED = ['src/dialect/', 'src/connect/', 'src/exec/'];

/** Never scanned: tests branch per engine on purpose (one body, expected result per engine). */
const EXEMPT = ['test/', 'bench/', 'dist/', 'node_modules/', 'scripts/'];

/**
 * Findings kept on purpose. Each entry names the file, a piece of the offending code (as printed in
 * the finding) and why it stays. Keep this list short: prefer a capability or a dialect method.
 */
const EXCEPTIONS = [
  // { file: 'src/…/x.ts', code: "engine === 'postgres'", reason: '…' },
];

/** Names of the engines (and their tools' flavours) as string literals. */
const ENGINE_NAME = /^(postgres|postgresql|pg|mysql|mariadb)$/i;
/** Identifiers that hold an engine: `engine`, `x.engine`, `targetEngine`. */
const ENGINE_HOLDER = /engine$/i;
/** Booleans named after an engine: `isMysql`, `pg`, `mysql` (as in `const mysql = x === …`). */
const ENGINE_FLAG = /^(is|use|on)?(postgres|postgresql|pg|mysql|mariadb)$/i;

const COMPARISON = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

function isEngineLiteral(n) {
  return (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && ENGINE_NAME.test(n.text);
}

/** The last name of `a.b.engine`, `engine`, `(x ?? y)`… or null. */
function lastName(n) {
  while (ts.isParenthesizedExpression(n) || ts.isNonNullExpression(n) || ts.isAsExpression(n)) n = n.expression;
  if (ts.isIdentifier(n)) return n.text;
  if (ts.isPropertyAccessExpression(n)) return n.name.text;
  if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) return lastName(n.left);
  return null;
}

/** An object literal with a property named after an engine: `{ postgres: …, mysql: … }`. */
function keyedByEngine(n) {
  while (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isSatisfiesExpression(n)) n = n.expression;
  return (
    ts.isObjectLiteralExpression(n) &&
    n.properties.some((p) => p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && ENGINE_NAME.test(p.name.text))
  );
}

function holdsEngine(n) {
  const name = lastName(n);
  return name !== null && ENGINE_HOLDER.test(name);
}

/** Findings of one file: [{ line, col, code, what }]. */
function scan(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, /\.tsx$/.test(file) ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found = [];
  const report = (node, what) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    const code = node.getText(sf).replace(/\s+/g, ' ');
    found.push({ line: line + 1, col: character + 1, code: code.length > 90 ? `${code.slice(0, 87)}...` : code, what });
  };
  const visit = (node) => {
    if (ts.isBinaryExpression(node) && COMPARISON.has(node.operatorToken.kind)) {
      // `x === 'mysql'`, `'postgres' !== engine`
      if (isEngineLiteral(node.left) || isEngineLiteral(node.right)) report(node, 'compares with an engine name');
    } else if (ts.isSwitchStatement(node)) {
      // `switch (engine)`, or any switch with `case 'mysql':`
      if (holdsEngine(node.expression)) report(node.expression, 'switch on the engine');
      for (const c of node.caseBlock.clauses) if (ts.isCaseClause(c) && isEngineLiteral(c.expression)) report(c.expression, 'case on an engine name');
    } else if (ts.isElementAccessExpression(node) && (holdsEngine(node.argumentExpression) || keyedByEngine(node.expression))) {
      // `DRIVERS[target.engine]`, `{ postgres: a, mysql: b }[e]`: a lookup is a comparison too
      report(node, 'lookup by engine');
    } else if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'includes' &&
      ts.isArrayLiteralExpression(node.expression.expression) &&
      node.expression.expression.elements.some(isEngineLiteral)
    ) {
      // `['postgres', 'mysql'].includes(engine)`
      report(node, 'compares with an engine name');
    } else if ((ts.isVariableDeclaration(node) || ts.isParameter(node)) && ts.isIdentifier(node.name) && ENGINE_FLAG.test(node.name.text)) {
      // `const isMysql = …`: the flag is how the comparison travels
      // (Its initializer, when a comparison with an engine name, is reported on its own.)
      const init = node.initializer;
      const compares =
        init && ts.isBinaryExpression(init) && COMPARISON.has(init.operatorToken.kind) && (isEngineLiteral(init.left) || isEngineLiteral(init.right));
      if (init && !compares && !ts.isCallExpression(init) && !ts.isNewExpression(init) && !ts.isAwaitExpression(init)) report(node, 'engine flag');
    } else if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && ENGINE_FLAG.test(node.name.text) && /^is/i.test(node.name.text)) {
      report(node, 'engine flag');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function* files(path) {
  const rel = relative(root, path).split(sep).join('/');
  if (EXEMPT.some((e) => `${rel}/`.startsWith(e))) return;
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) yield* files(join(path, name));
  } else if (/\.(ts|tsx|mts|js|mjs)$/.test(path) && !/\.d\.ts$/.test(path)) {
    yield rel;
  } else if (rel.startsWith('bin/')) {
    yield rel; // bin/crm-rescue has no extension
  }
}

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['src', 'commands', 'bin'];
const used = new Set();
let failures = 0;
for (const r of roots) {
  for (const file of files(join(root, r))) {
    if (ALLOWED.some((a) => file.startsWith(a))) continue;
    for (const f of scan(file, readFileSync(join(root, file), 'utf8'))) {
      const ex = EXCEPTIONS.findIndex((e) => e.file === file && f.code.includes(e.code));
      if (ex >= 0) {
        used.add(ex);
        continue;
      }
      failures++;
      console.log(`${file}:${f.line}:${f.col}  ${f.code}  (${f.what})`);
    }
  }
}
// A stale exception would silently allow the next comparison written there: report it too.
if (process.argv.slice(2).length === 0) {
  EXCEPTIONS.forEach((e, i) => {
    if (!used.has(i)) {
      failures++;
      console.log(`${e.file}  exception no longer matches anything: ${e.code}  (remove it from scripts/check-engine-comparisons.mjs)`);
    }
  });
}
if (failures) {
  console.log(
    `\n${failures} engine comparison(s) outside ${ALLOWED.join(', ')}: ask the dialect (a capability or a method) instead, or list the exception with its reason in scripts/check-engine-comparisons.mjs.`,
  );
  process.exit(1);
}
