// Copies into and out of shared memory by the native path (large) and by
// TypedArray#set (small): the same bytes land where they should, and nothing
// around them changes.
import { describe, expect, it } from 'vitest';
import { copyBytes } from '../../dist/src/ring/copy-bytes.js';

const pattern = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('copyBytes', () => {
  for (const n of [0, 1, 1_023, 1_024, 65_536 + 3]) {
    it(`copies ${n} bytes into shared memory at an offset, leaving the bytes around them alone`, () => {
      const target = new Uint8Array(new SharedArrayBuffer(n + 64)).fill(0xee);
      const source = pattern(n, 7);
      copyBytes(target, 32, source);
      expect(Buffer.from(target.subarray(32, 32 + n)).equals(Buffer.from(source))).toBe(true);
      expect(target.subarray(0, 32).every((b) => b === 0xee)).toBe(true);
      expect(target.subarray(32 + n).every((b) => b === 0xee)).toBe(true);
    });

    it(`copies ${n} bytes out of a view over shared memory into a private buffer`, () => {
      const shared = new Uint8Array(new SharedArrayBuffer(n + 64));
      shared.set(pattern(n, 3), 16);
      const out = Buffer.allocUnsafeSlow(n);
      copyBytes(out, 0, shared.subarray(16, 16 + n));
      expect(out.equals(Buffer.from(pattern(n, 3)))).toBe(true);
      // A private copy: later writes to the shared bytes do not reach it.
      shared.fill(0, 16, 16 + n);
      expect(out.equals(Buffer.from(pattern(n, 3)))).toBe(true);
    });
  }

  it('refuses a copy that would run past the target, whichever path it takes', () => {
    expect(() => copyBytes(new Uint8Array(10), 5, new Uint8Array(6))).toThrow(RangeError);
    expect(() => copyBytes(new Uint8Array(new SharedArrayBuffer(2_000)), 1_000, new Uint8Array(1_500))).toThrow(RangeError);
  });
});
