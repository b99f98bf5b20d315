import { describe, expect, it } from 'vitest';
import { INCOMPLETE, MysqldumpSplitter, parseCommentIdent, parseMarker, type SplitPiece } from '../../src/dialect/mysql/mysqldump-splitter.js';

/** A mysqldump-shaped text: header, tables with odd names, views, routines, footer. */
function dump(tables: { name: string; rows?: string[] }[], withFooter = true): string {
  const q = (n: string) => `\`${n.split('`').join('``')}\``;
  const c = (n: string) => q(n).split('\n').join('\n-- ');
  const parts = [
    '/*M!999999\\- enable the sandbox mode */ \n',
    '-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n-- Host: 127.0.0.1    Database: crm\n',
    '-- ------------------------------------------------------\n-- Server version\t10.11.19-MariaDB\n\n',
    "/*!40101 SET NAMES utf8mb4 */;\n/*!40103 SET TIME_ZONE='+00:00' */;\n/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n\n",
  ];
  for (const t of tables) {
    parts.push(
      `--\n-- Table structure for table ${c(t.name)}\n--\n\nDROP TABLE IF EXISTS ${q(t.name)};\nCREATE TABLE ${q(t.name)} (\n  \`id\` int NOT NULL\n) ENGINE=InnoDB;\n\n`,
    );
    parts.push(`--\n-- Dumping data for table ${c(t.name)}\n--\n\nLOCK TABLES ${q(t.name)} WRITE;\n`);
    if (t.rows?.length) parts.push(`INSERT INTO ${q(t.name)} VALUES\n${t.rows.join(',\n')};\n`);
    parts.push('UNLOCK TABLES;\n');
    parts.push('DELIMITER ;;\n/*!50003 CREATE*/ /*!50003 TRIGGER tr BEFORE INSERT ON x FOR EACH ROW SET NEW.a = upper(NEW.a) */;;\nDELIMITER ;\n\n');
  }
  parts.push('--\n-- Temporary table structure for view `v`\n--\n\nDROP TABLE IF EXISTS `v`;\n\n');
  parts.push("--\n-- Dumping routines for database 'crm'\n--\nDELIMITER ;;\nCREATE PROCEDURE p() select 1 ;;\nDELIMITER ;\n\n");
  parts.push('--\n-- Final view structure for view `v`\n--\n\n/*!50001 VIEW `v` AS select 1 AS `a` */;\n');
  if (withFooter)
    parts.push('/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n\n/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n\n-- Dump completed on 2026-11-21  5:08:57\n');
  return parts.join('');
}

/** Runs the splitter over chunks and folds its pieces into sections. */
function split(chunks: Buffer[]): { header: string; sections: { kind: string; name: string; text: string }[]; completed: boolean } {
  const s = new MysqldumpSplitter();
  const pieces: SplitPiece[] = [];
  for (const c of chunks) pieces.push(...s.push(c));
  pieces.push(...s.end());
  let header = '';
  const sections: { kind: string; name: string; bytes: Buffer[] }[] = [];
  for (const p of pieces) {
    if (p.kind === 'header') {
      expect(sections).toHaveLength(0);
      header += p.data.toString();
    } else if (p.kind === 'table') sections.push({ kind: 'table', name: p.name, bytes: [] });
    else if (p.kind === 'schema') sections.push({ kind: 'schema', name: p.what, bytes: [] });
    else sections[sections.length - 1].bytes.push(Buffer.from(p.data));
  }
  return { header, sections: sections.map((x) => ({ kind: x.kind, name: x.name, text: Buffer.concat(x.bytes).toString() })), completed: s.completed };
}

const ODD = ['accounts', 'odd `name` x', 'with space', 'ünïcødé 表', 'select', 'line\nbreak', '-- Table structure', '`', 'a``b'];

describe('mysqldump splitter', () => {
  it('splits header, one section per table, and the rest of the schema', () => {
    const text = dump(ODD.map((name, i) => ({ name, rows: [`(${i},'x')`] })));
    const r = split([Buffer.from(text)]);
    expect(r.header).toContain('SET NAMES utf8mb4');
    expect(r.header).not.toContain('Table structure');
    const tables = r.sections.filter((s) => s.kind === 'table');
    expect(tables.map((t) => t.name)).toEqual(ODD);
    for (const t of tables) {
      expect(t.text.startsWith('--\n-- Table structure for table')).toBe(true);
      expect(t.text).toContain('CREATE TABLE');
      expect(t.text).toContain('INSERT INTO');
      expect(t.text).toContain('TRIGGER');
      expect(t.text).not.toContain('Dump completed');
      expect(t.text).not.toContain('OLD_TIME_ZONE');
    }
    expect(r.completed).toBe(true);
    const schema = r.sections
      .filter((s) => s.kind === 'schema')
      .map((s) => s.text)
      .join('');
    expect(schema).toContain('Temporary table structure for view');
    expect(schema).toContain('CREATE PROCEDURE');
    expect(schema).toContain('Final view structure');
    expect(schema).toContain('SET TIME_ZONE=@OLD_TIME_ZONE');
    expect(schema).toContain('Dump completed');
  });

  it('loses and adds no byte: header + sections concatenate back to the input', () => {
    const text = dump(ODD.map((name) => ({ name, rows: ["(1,'a\\'b),(c')", '(2,NULL)'] })));
    const r = split([Buffer.from(text)]);
    expect(r.header + r.sections.map((s) => s.text).join('')).toBe(text);
  });

  it('gives the same result whatever the chunk boundaries, including inside a marker line and a UTF-8 character', () => {
    const text = Buffer.from(dump(['odd `name` x', 'ünïcødé 表', 'line\nbreak', '`'].map((name, i) => ({ name, rows: [`(${i},'ü')`] }))));
    const whole = split([text]);
    for (let cut = 1; cut < text.length; cut += 1) {
      const r = split([text.subarray(0, cut), text.subarray(cut)]);
      expect(r, `cut at ${cut}`).toEqual(whole);
    }
  });

  it('handles one-byte chunks', () => {
    const text = Buffer.from(dump([{ name: 'a`b c', rows: ['(1)'] }, { name: 'line\nbreak' }]));
    const chunks = [...text].map((b) => Buffer.from([b]));
    expect(split(chunks)).toEqual(split([text]));
  });

  it('does not mark a cut-off dump as completed', () => {
    const r = split([Buffer.from(dump([{ name: 't', rows: ['(1)'] }], false))]);
    expect(r.completed).toBe(false);
  });

  it('puts the footer into the schema even when the last section is a table', () => {
    const text = dump([{ name: 't', rows: ['(1)'] }]).replace(/--\n-- Temporary[\s\S]*?(?=\/\*!40103 SET TIME_ZONE=@OLD)/, '');
    const r = split([Buffer.from(text)]);
    expect(r.sections.map((s) => s.kind)).toEqual(['table', 'schema']);
    expect(r.sections[1].text.startsWith('/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;')).toBe(true);
  });

  it('starts a table at a data marker when there was no structure marker (--no-create-info)', () => {
    const text = '/*!40101 SET NAMES utf8mb4 */;\n--\n-- Dumping data for table `t`\n--\n\nINSERT INTO `t` VALUES (1);\n';
    const r = split([Buffer.from(text)]);
    expect(r.sections).toEqual([{ kind: 'table', name: 't', text: '--\n-- Dumping data for table `t`\n--\n\nINSERT INTO `t` VALUES (1);\n' }]);
  });

  it('passes a very long data line through without holding it', () => {
    const big = `INSERT INTO \`t\` VALUES (1,'${'x'.repeat(300_000)}');\n`;
    const text = Buffer.from(`${dump([{ name: 't' }], false)}${big}`);
    const s = new MysqldumpSplitter();
    let maxPiece = 0;
    for (let i = 0; i < text.length; i += 65536) {
      for (const p of s.push(text.subarray(i, i + 65536))) if (p.kind === 'data') maxPiece = Math.max(maxPiece, p.data.length);
    }
    expect(maxPiece).toBeLessThanOrEqual(65536);
  });
});

describe('marker parsing', () => {
  it('reads quoted names with doubled backticks and continued lines', () => {
    expect(parseCommentIdent('`a``b`\n', 0)).toBe('a`b');
    expect(parseCommentIdent('`line\n-- break`\n', 0)).toBe('line\nbreak');
    expect(parseCommentIdent('`line\n', 0)).toBe(INCOMPLETE);
    expect(parseCommentIdent('`incomplete`\n', 0)).toBe('incomplete');
    expect(parseCommentIdent('`line\nINSERT', 0)).toBe(null);
    expect(parseCommentIdent('`a` trailing\n', 0)).toBe(null);
  });
  it('knows the marker kinds', () => {
    expect(parseMarker('-- Table structure for table `t`\n')).toEqual({ type: 'table-structure', name: 't' });
    expect(parseMarker('-- Dumping data for table `t`\n')).toEqual({ type: 'table-data', name: 't' });
    expect(parseMarker('-- Table structure for table `incomplete`\n')).toEqual({ type: 'table-structure', name: 'incomplete' });
    expect(parseMarker("-- Dumping routines for database 'crm'\n")).toEqual({ type: 'schema', what: 'routines' });
    expect(parseMarker('-- Temporary view structure for view `v`\n')).toEqual({ type: 'schema', what: 'view' });
    expect(parseMarker('-- Dump completed on 2026\n')).toEqual({ type: 'completed' });
    expect(parseMarker('-- Host: 127.0.0.1\n')).toBe(null);
  });
});
