/**
 * Seeded randomness for the demo CRM. Every row draws from its own stream, seeded from
 * (stream salt, row index), so any row can be generated alone, in any order, on any engine,
 * and the same scale always yields the same rows and keys.
 */

/** murmur3's 32-bit finalizer: a bijection on uint32 with good avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit salt from a stream name (FNV-1a), so streams are named, not numbered. */
export function saltOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h >>> 0);
}

/** mulberry32: a tiny, fast PRNG; returns uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A seeded random stream (mulberry32 state inline: generators create one per row). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The stream of row `index` in the stream family `salt`. */
  static for(salt: number, index: number): Rng {
    return new Rng(fmix32((salt ^ fmix32((index + 0x9e3779b9) >>> 0)) >>> 0));
  }

  /** A uint32 (the same sequence as mulberry32(seed)). */
  u32(): number {
    const a = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** One element chosen by weight: `[[value, weight], …]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.float() * total;
    for (const [v, w] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return items[items.length - 1][0];
  }

  /** `n` lower-case hex digits. */
  hex(n: number): string {
    let out = '';
    while (out.length < n) out += hex8(this.u32());
    return out.slice(0, n);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 8 lower-case hex digits of a uint32. */
export function hex8(x: number): string {
  return HEX[x >>> 24] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255];
}

/**
 * A deterministic UUID-shaped key (version 4 layout) for row `index` of the key family `salt`.
 * The first 8 hex digits are a bijection of the index, so keys never collide within a family;
 * the other 24 come from the row's stream, so keys look random and sort in no useful order.
 */
export function demoUuid(salt: number, index: number): string {
  const r = Rng.for(salt ^ 0x5bd1e995, index);
  const a = r.u32();
  const b = r.u32();
  const c = r.u32();
  const h1 = hex8(a);
  const h2 = hex8(b);
  const h3 = hex8(c);
  const variant = '89ab'[c & 3];
  return `${hex8(fmix32((index ^ salt) >>> 0))}-${h1.slice(0, 4)}-4${h1.slice(4, 7)}-${variant}${h2.slice(0, 3)}-${h2.slice(3)}${h3.slice(0, 7)}`;
}
