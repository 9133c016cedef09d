// The spill area (shared memory for payloads larger than a slot), without threads: its size
// classes, its allocator, and the slot table writing a payload there and reading it back.
import { describe, expect, it } from 'vitest';
import { allocateRegion } from '../../dist/src/ring/layout.js';
import { BY_MESSAGE, SharedQueue } from '../../dist/src/ring/shared-queue.js';
import { SlotTable } from '../../dist/src/ring/slot-table.js';
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES, SpillArea, sizeClass } from '../../dist/src/ring/spill.js';
import { encode } from '../../dist/src/ring/codec.js';

const growable = (maxBytes) => new SharedArrayBuffer(0, { maxByteLength: maxBytes });

describe('sizeClass', () => {
  it('rounds up to four classes per power of two, wasting under a fifth, and never shrinks as the length grows', () => {
    let previous = { index: -1, bytes: 0 };
    for (let length = 1; length <= MAX_CHUNK_BYTES; length += 997) {
      const c = sizeClass(length);
      expect(c.bytes).toBeGreaterThanOrEqual(length);
      if (length > MIN_CHUNK_BYTES) expect((c.bytes - length) / c.bytes).toBeLessThan(0.2);
      expect(c.index).toBeGreaterThanOrEqual(previous.index);
      if (c.index === previous.index) expect(c.bytes).toBe(previous.bytes);
      previous = c;
    }
    expect(sizeClass(1)).toEqual({ index: 0, bytes: MIN_CHUNK_BYTES });
    expect(sizeClass(MIN_CHUNK_BYTES + 1)).toEqual({ index: 1, bytes: MIN_CHUNK_BYTES * 1.25 });
    expect(sizeClass(2 * MIN_CHUNK_BYTES)).toEqual({ index: 4, bytes: 2 * MIN_CHUNK_BYTES });
  });
});

describe('SpillArea', () => {
  it('gives distinct chunks, reuses a freed one for the same class, and counts what is in use', () => {
    const area = new SpillArea(growable(1 << 24));
    const a = area.allocate(20_000);
    const b = area.allocate(20_000);
    expect(a).not.toBe(b);
    expect(Math.abs(a - b)).toBeGreaterThanOrEqual(20_000);
    expect(area.usage()).toMatchObject({ chunksInUse: 2, bytesInUse: 2 * sizeClass(20_000).bytes });
    area.release(a, 20_000);
    expect(area.allocate(19_000)).toBe(a); // same class
    area.release(a, 19_000);
    area.release(b, 20_000);
    expect(area.usage()).toMatchObject({ chunksInUse: 0, bytesInUse: 0 });
  });

  it('a chunk held twice (its task and a slot) is reused only once both let go', () => {
    const area = new SpillArea(growable(1 << 24));
    const a = area.allocate(20_000);
    area.retain(a);
    area.release(a, 20_000);
    expect(area.usage().chunksInUse).toBe(1);
    expect(area.allocate(20_000)).not.toBe(a);
    area.release(a, 20_000);
    expect(area.usage().chunksInUse).toBe(1); // the second chunk
    expect(area.allocate(20_000)).toBe(a);
    expect(() => area.release(12_345, 20_000)).toThrow(RangeError);
  });

  it('grows its buffer as chunks are cut, and refuses once it would pass maxByteLength', () => {
    const buffer = growable(1 << 20);
    const area = new SpillArea(buffer);
    expect(buffer.byteLength).toBe(0);
    const offsets = [];
    for (;;) {
      const at = area.allocate(100_000);
      if (at === undefined) break;
      offsets.push(at);
    }
    const chunk = sizeClass(100_000).bytes;
    expect(offsets).toHaveLength(Math.floor((1 << 20) / chunk));
    expect(buffer.byteLength).toBe(1 << 20);
    // A freed chunk is usable again once the area is full.
    area.release(offsets[0], 100_000);
    expect(area.allocate(100_000)).toBe(offsets[0]);
  });

  it('refuses payloads above the largest chunk, and any payload when the buffer cannot grow', () => {
    expect(new SpillArea(growable(64 << 20)).allocate(MAX_CHUNK_BYTES + 1)).toBeUndefined();
    expect(new SpillArea(new SharedArrayBuffer(1 << 20)).allocate(10_000)).toBeUndefined();
  });
});

describe('SlotTable with spilled payloads', () => {
  const descriptor = (payload) => ({ taskId: 1, typeCode: 0, priority: 5, attempt: 1, queuedAtMs: 0, notifyStart: false, traceInPayload: false, payload, route: 1 });

  it('keeps a payload larger than the slot in the spill area, where the agent side reads it back', () => {
    const queue = new SharedQueue(allocateRegion({ slots: 4, blocks: 2, inlineBytes: 64 }));
    const slots = new SlotTable(queue);
    const value = { text: 'y'.repeat(5_000), n: [1, 2, 3] };
    const slot = slots.allocate();
    expect(slots.write(slot, descriptor(encode(value)))).toBe(true);
    expect(queue.readPayload(slot)).toEqual(value);
    expect(slots.spillUsage().chunksInUse).toBe(1);
    const small = slots.allocate();
    expect(slots.write(small, descriptor(encode({ a: 1 })))).toBe(true);
    expect(queue.readPayload(small)).toEqual({ a: 1 });
    expect(slots.spillUsage().chunksInUse).toBe(1);
    slots.release(slot);
    expect(slots.spillUsage().chunksInUse).toBe(0);
  });

  it('reads text payloads back after the area has grown past where it was when the first one was read', () => {
    const queue = new SharedQueue(allocateRegion({ slots: 400, blocks: 2, inlineBytes: 64 }));
    const slots = new SlotTable(queue);
    const text = (n) => String(n).repeat(3_000);
    const first = slots.allocate();
    slots.write(first, descriptor(encode(text(1))));
    expect(queue.readPayload(first)).toBe(text(1));
    const grownTo = slots.spillUsage().bytes;
    let last;
    for (let n = 2; slots.spillUsage().bytes === grownTo && n < 400; n++) {
      last = { slot: slots.allocate(), value: text(n % 10) };
      slots.write(last.slot, descriptor(encode(last.value)));
    }
    expect(queue.readPayload(last.slot)).toBe(last.value);
  });

  it('a payload encoded into a chunk at submit is written into its slot without a copy, and freed when both let go', () => {
    const queue = new SharedQueue(allocateRegion({ slots: 4, blocks: 2, inlineBytes: 64 }));
    const slots = new SlotTable(queue);
    const value = { data: new Uint8Array(10_000).fill(9) };
    const bytes = encode(value, (n) => slots.spillTarget(n));
    expect(bytes.buffer).toBe(queue.spill.buffer);
    expect(slots.spillTarget(64)).toBeUndefined(); // fits a slot: no chunk
    const slot = slots.allocate();
    expect(slots.write(slot, descriptor(bytes))).toBe(true);
    expect(slots.spillUsage().chunksInUse).toBe(1);
    expect(queue.readPayload(slot).data).toEqual(value.data);
    slots.releasePayload(bytes); // the task settled; the slot still names the chunk
    expect(slots.spillUsage().chunksInUse).toBe(1);
    slots.release(slot);
    expect(slots.spillUsage()).toMatchObject({ chunksInUse: 0, bytesInUse: 0 });
  });

  it('a slot written again gives its old chunk back; no payload, or no room, means by message', () => {
    const queue = new SharedQueue(allocateRegion({ slots: 4, blocks: 2, inlineBytes: 64 }));
    const slots = new SlotTable(queue);
    const slot = slots.allocate();
    slots.write(slot, descriptor(encode('z'.repeat(9_000))));
    slots.write(slot, descriptor(encode('w'.repeat(9_000))));
    expect(slots.spillUsage().chunksInUse).toBe(1);
    expect(queue.readPayload(slot)).toBe('w'.repeat(9_000));
    expect(slots.write(slot, descriptor(undefined))).toBe(false);
    expect(queue.readPayload(slot)).toBe(BY_MESSAGE);
    expect(slots.spillUsage().chunksInUse).toBe(0);
    expect(slots.write(slot, descriptor(new Uint8Array(MAX_CHUNK_BYTES + 1)))).toBe(false);
    expect(queue.readPayload(slot)).toBe(BY_MESSAGE);
  });
});
