import { describe, expect, it } from 'vitest';
import { DecodeError, splitTuple, type AttLayout } from '../../src/nobackup/pg-dead/decode.js';

// Tuple layouts built by hand as PostgreSQL writes them (heap_fill_tuple): the integration tests
// check the same split against real pages; these pin the alignment rules one by one.
const int2: AttLayout = { len: 2, align: 2 };
const int4: AttLayout = { len: 4, align: 4 };
const int8: AttLayout = { len: 8, align: 8 };
const text: AttLayout = { len: -1, align: 4 };

const parts = (data: Buffer, at: Int32Array, n: number) =>
  Array.from({ length: n }, (_, i) => (at[2 * i] < 0 ? null : data.subarray(at[2 * i], at[2 * i] + at[2 * i + 1]).toString('hex')));

describe('splitTuple', () => {
  it('aligns fixed-length attributes, never a 1-byte-header varlena, and a 4-byte-header one only over padding', () => {
    const short = Buffer.from([(3 << 1) | 1, 0x61, 0x62]); // 'ab', 1-byte header: length 3
    const long = Buffer.alloc(8);
    long.writeUInt32LE(8 << 2, 0); // 4-byte header, total 8
    long.write('wxyz', 4);
    const data = Buffer.concat([
      Buffer.from([0x01, 0x00]), // int2 at 0
      short, // varlena at 2, unaligned
      Buffer.from([0x00, 0x00, 0x00]), // padding to 8
      Buffer.from('0102030405060708', 'hex'), // int8 at 8
      long, // 4-byte varlena at 16 (already aligned)
      Buffer.from([0x2a, 0, 0, 0]), // int4 at 24
    ]);
    const layout = [int2, text, int8, text, int4];
    const at = new Int32Array(10);
    splitTuple(data, null, 5, layout, at);
    expect(parts(data, at, 5)).toEqual(['0100', short.toString('hex'), '0102030405060708', long.toString('hex'), '2a000000']);
  });

  it('skips null attributes by the null bitmap, taking no room', () => {
    const data = Buffer.from('0700000009000000', 'hex');
    const at = new Int32Array(6);
    splitTuple(data, '10100000', 3, [int4, int8, int4], at);
    expect(parts(data, at, 3)).toEqual(['07000000', null, '09000000']);
  });

  it('keeps a TOAST pointer whole (18 bytes)', () => {
    const ptr = Buffer.alloc(18);
    ptr[0] = 0x01;
    ptr[1] = 18;
    const data = Buffer.concat([ptr, Buffer.from([0, 0]), Buffer.from('05000000', 'hex')]);
    const at = new Int32Array(4);
    splitTuple(data, null, 2, [text, int4], at);
    expect(parts(data, at, 2)).toEqual([ptr.toString('hex'), '05000000']);
  });

  it('refuses a tuple whose attributes run past its end, or has more attributes than the table', () => {
    const at = new Int32Array(4);
    expect(() => splitTuple(Buffer.from('0100', 'hex'), null, 1, [int4], at)).toThrow(DecodeError);
    const long = Buffer.alloc(6);
    long.writeUInt32LE(100 << 2, 0);
    expect(() => splitTuple(long, null, 1, [text], at)).toThrow(/runs past the tuple/);
    expect(() => splitTuple(Buffer.alloc(8), null, 3, [int4, int4], at)).toThrow(/3 attributes, the table 2/);
  });
});
