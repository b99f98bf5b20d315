/**
 * How MySQL/MariaDB values travel as JSON and as exact text: the trigger audit writes them so,
 * and a rebuild from its log reads them back so.
 */

/** MySQL column types whose values are bytes: JSON carries them as base64. */
export const MYSQL_BINARY =
  /^(binary|varbinary|tinyblob|blob|mediumblob|longblob|geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection)\b/i;

/** The JSON path of a top-level key: `$."name"` with `"` and `\` escaped. */
export function mysqlJsonPath(key: string): string {
  return `$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * One column's value for JSON_OBJECT on MySQL, as the trigger audit and row images store it:
 * bytes as base64, BIT as a number, TIMESTAMP converted from the session's zone to UTC (so a
 * rebuild in another zone gets the same instant), JSON as its text (byte-exact on MariaDB).
 */
export function mysqlJsonValue(ref: string, dataType: string): string {
  if (MYSQL_BINARY.test(dataType)) return `TO_BASE64(${ref})`;
  if (/^bit\b/i.test(dataType)) return `CAST(${ref} AS UNSIGNED)`;
  if (/^timestamp\b/i.test(dataType)) return `CONVERT_TZ(${ref}, @@session.time_zone, '+00:00')`;
  if (/^json\b/i.test(dataType)) return `CAST(${ref} AS CHAR)`;
  return ref;
}

/**
 * One column's exact text on MySQL, as the trigger audit's log keeps it (old_row_layout 2) and
 * as a rebuild checks it: bytes as base64, BIT as its number, TIMESTAMP as its UTC time (from
 * UNIX_TIMESTAMP, whatever the session's zone) and a zero TIMESTAMP as 0000-00-00 00:00:00,
 * FLOAT through DOUBLE (its own text has 6 digits), everything else as utf8mb4 text (JSON as
 * written, spacing and a JSON null included; zero dates; decimals' scale).
 */
export function mysqlExactText(ref: string, dataType: string): string {
  if (MYSQL_BINARY.test(dataType)) return `TO_BASE64(${ref})`;
  if (/^bit\b/i.test(dataType)) return `CAST(CAST(${ref} AS UNSIGNED) AS CHAR)`;
  if (/^timestamp\b/i.test(dataType)) {
    // In a trigger UNIX_TIMESTAMP(OLD.col) of a zero TIMESTAMP is NULL: test for zero first.
    return `IF(${ref} = 0, '0000-00-00 00:00:00', DATE_FORMAT(TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(${ref}) SECOND, '%Y-%m-%d %H:%i:%s.%f'))`;
  }
  if (/^float\b/i.test(dataType)) return `CAST(${ref} + 0e0 AS CHAR)`;
  return `CAST(${ref} AS CHAR CHARACTER SET utf8mb4)`;
}

/** The value of a column's exact text (mysqlExactText), for assignment to the column. */
export function mysqlFromExactText(text: string, dataType: string): string {
  if (MYSQL_BINARY.test(dataType)) return `FROM_BASE64(${text})`;
  if (/^bit\b/i.test(dataType)) return `CAST(${text} AS UNSIGNED)`;
  return text;
}
