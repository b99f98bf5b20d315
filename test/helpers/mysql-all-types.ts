/**
 * A MySQL/MariaDB table with every column type the binary-log source decodes, and rows at their
 * edges: signed and unsigned extremes (BIGINT UNSIGNED max), DECIMAL(65,30), FLOAT/DOUBLE limits,
 * BIT(1/13/64), ENUM/SET, utf8mb4 (emoji) and latin1 text, binary with 0x00 bytes, MariaDB's
 * JSON (LONGTEXT), fractional and negative times, zero dates, a row of NULLs.
 * Insert with `SET SESSION sql_mode = ''` (zero dates) and `SET time_zone = '+00:00'`.
 */
export const ALL_TYPES_COLUMNS = `
 id INT PRIMARY KEY,
 ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
 i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
 de DECIMAL(20,6), de2 DECIMAL(5,0), de3 DECIMAL(65,30), fl FLOAT, db DOUBLE,
 b1 BIT(1), b13 BIT(13), b64 BIT(64),
 en ENUM('a','b','c'), st SET('x','y','z'),
 c CHAR(10), vc VARCHAR(300), tx TEXT, lt LONGTEXT, l1 VARCHAR(20) CHARACTER SET latin1, c1 CHAR(5) CHARACTER SET latin1,
 bn BINARY(4), vb VARBINARY(20), bl BLOB, mb MEDIUMBLOB,
 js JSON,
 d DATE, tm TIME(6), tm0 TIME, dt DATETIME(6), dt0 DATETIME, ts TIMESTAMP(6) NULL, ts0 TIMESTAMP NULL, y YEAR`;

export const ALL_TYPES_ROWS = `
(1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
 '-12345678901234.123456', 99999, '-12345678901234567890123456789012345.123456789012345678901234567891', 3.4028235e38, 1.7976931348623157e308,
 b'1', b'1010101010101', b'1111111111111111111111111111111111111111111111111111111111111111',
 'c', 'x,z', 'ab', 'héllo 😀 wörld', 'text ''quoted'' \\\\ back', REPEAT('long😀',1000), 'café ñ', 'é',
 0x00010000, 0x00ff00, 0x0000000102, 0x00, '{"a": [1, 2.50, "x"], "b": null}',
 '2024-02-29', '-838:59:59.000000', '12:34:56', '2024-02-29 23:59:59.999999', '1000-01-01 00:00:00', '2038-01-19 03:14:07.999999', '1970-01-01 00:00:01', 2155),
(2, 0,0,0,0,0,0,0,0,0,0, 0, 0, 0, 0.1, 0.1, b'0', b'0', b'0', 'a', '', '', '', '', '', '', '', 0x00000000, '', '', '', '[]',
 '0000-00-00', '00:00:00', '00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', 0),
(3, ${Array(39).fill('NULL').join(',')}),
(4, 1,2,3,4,5,6,7,8,9,10, '0.000001', -5, '0.5', -1.17549435e-38, 2.2250738585072014e-308, b'1', b'1', b'1000000000000000000000000000000000000000000000000000000000000001', 'b', 'x,y,z', 'x', 'x', 'x', 'x', 'x', 'x', 0x41, 0x41, 0x41, 0x41, '"s"',
 '2000-01-01', '838:59:59.999999', '-00:00:01', '9999-12-31 23:59:59.999999', '2000-01-01 00:00:00', '2000-06-15 12:00:00.5', '2000-06-15 12:00:00', 1901),
(5, 1,2,3,4,5,6,7,8,9,10, '1.5', 1, '1', 123.456, 123.456, b'0', b'0', b'0', 'a', 'y', 'a', 'b', 'c', 'd', 'e', 'f', 0x42, 0x42, 0x42, 0x42, '1',
 '2000-01-02', '-00:00:00.5', '01:00:00', '2000-01-01 00:00:00.1', '2000-01-01 00:00:00', '2000-06-15 12:00:00.25', '2000-06-15 12:00:00', 2000),
(6, 7,7,7,7,7,7,7,7,7,7, '7', 7, '7', 0.3333333, 0.3333333333333333, b'1', b'111', b'111', 'c', 'z', 'seven', 'sept 😀', 'sieben', 'siete', 'sette', 'sju', 0x07, 0x07, 0x07, 0x07, '{"k": 7}',
 '2007-07-07', '07:07:07.070707', '07:07:07', '2007-07-07 07:07:07.070707', '2007-07-07 07:07:07', '2007-07-07 07:07:07.070707', '2007-07-07 07:07:07', 2007)`;
