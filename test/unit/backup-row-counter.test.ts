import { describe, expect, it } from 'vitest';
import { InsertRowCounter } from '../../src/backup/insert-row-counter.js';

function count(text: string | Buffer, cut?: number): number {
  const c = new InsertRowCounter();
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  if (cut === undefined) c.feed(buf);
  else {
    c.feed(buf.subarray(0, cut));
    c.feed(buf.subarray(cut));
  }
  return c.rows;
}

const SECTION = [
  '--\n-- Table structure for table `a(b`\n--\n',
  'CREATE TABLE `a(b` (\n  `id` int(11) NOT NULL,\n  `t` text\n);\n',
  'LOCK TABLES `a(b` WRITE;\n',
  "INSERT INTO `a(b` VALUES (1,'x),(y'),(2,'it\\'s \\\\'),(3,NULL),(4,0x00FF28),(5,'(((');\n",
  "INSERT INTO `VALUES ``(`` x` VALUES\n(6,'a'),\n(7,'b\\n'),\n(8,\"dq ), ( \\\" x\");\n",
  'UNLOCK TABLES;\n',
  'DELIMITER ;;\n/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = concat(NEW.a, (1)) */;;\n',
].join('');

describe('INSERT row counter', () => {
  it('counts rows in one-line and one-row-per-line extended inserts, ignoring parentheses in strings, names and triggers', () => {
    expect(count(SECTION)).toBe(8);
  });
  it('counts the same across every chunk boundary', () => {
    const buf = Buffer.from(SECTION);
    for (let cut = 1; cut < buf.length; cut++) expect(count(buf, cut), `cut ${cut}`).toBe(8);
  });
  it('counts zero for a table without data', () => {
    expect(count('LOCK TABLES `t` WRITE;\n/*!40000 ALTER TABLE `t` DISABLE KEYS */;\nUNLOCK TABLES;\n')).toBe(0);
  });
  it('counts a large insert', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `(${i},'n${i}','a\\'b(c)')`);
    expect(count(`INSERT INTO \`t\` VALUES ${rows.join(',')};\nINSERT INTO \`t\` VALUES\n${rows.join(',\n')};\n`)).toBe(20_000);
  });
});
