/** A small seeded PRNG (mulberry32) with the helpers the generators need, so a failing run reproduces from its seed. */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  shuffle<T>(items: T[]): T[] {
    for (let index = items.length - 1; index > 0; index--) {
      const other = this.int(0, index);
      [items[index], items[other]] = [items[other] as T, items[index] as T];
    }
    return items;
  }

  bytes(length: number): Buffer {
    const buffer = Buffer.alloc(length);
    for (let index = 0; index < length; index++) buffer[index] = this.int(0, 255);
    return buffer;
  }

  /** Text from `alphabet` (default: printable ASCII). */
  text(length: number, alphabet = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~'): string {
    let out = '';
    for (let index = 0; index < length; index++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }
}

/** The seed from `QUR_FUZZ_SEED` (to replay a failure), else a fresh one. */
export function seedFromEnv(variable = 'QUR_FUZZ_SEED'): number {
  const given = process.env[variable];
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`${variable} must be an integer 0..4294967295, got '${given}'`);
    return seed;
  }
  return Math.floor(Math.random() * 0xffffffff) >>> 0;
}
