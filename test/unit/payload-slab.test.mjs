// Small payloads are encoded into views of shared private slabs, not an ArrayBuffer each.
import { describe, expect, it } from 'vitest';
import { PayloadSlab } from '../../dist/src/tasks/payload-slab.js';

describe('PayloadSlab', () => {
  it('gives views of exactly the size asked, side by side in one slab, 8-byte aligned', () => {
    const slab = new PayloadSlab(1_024, 4_096);
    const a = slab.take(10);
    const b = slab.take(100);
    expect(a.length).toBe(10);
    expect(b.length).toBe(100);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset - a.byteOffset).toBe(16);
    a.fill(1);
    b.fill(2);
    expect([...a].every((x) => x === 1)).toBe(true);
  });

  it('starts a new slab when the next payload does not fit, and leaves the old views as they were', () => {
    const slab = new PayloadSlab(1_024, 2_048);
    const first = slab.take(1_024);
    first.fill(9);
    slab.take(1_024);
    const third = slab.take(8);
    expect(third.buffer).not.toBe(first.buffer);
    third.fill(0);
    expect([...first].every((x) => x === 9)).toBe(true);
  });

  it('refuses payloads over its limit: they get a buffer of their own', () => {
    const slab = new PayloadSlab(1_024);
    expect(slab.take(1_025)).toBeUndefined();
    expect(slab.take(1_024)?.length).toBe(1_024);
  });
});
