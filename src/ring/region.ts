import { completionBudget, computeLayout, type LayoutSizes } from './layout.js';

export type { SharedRegion } from './layout.js';

/** The slots and control blocks a pool of these sizes maps. */
export function regionSizes(queueCapacity: number, maxSize: number, inlinePayloadBytes: number, roles = 1): LayoutSizes {
  return {
    // Waiting work, plus per agent one running and one handed over, plus completions not yet drained.
    slots: queueCapacity + maxSize * 2 + completionBudget(maxSize, inlinePayloadBytes),
    // Spare blocks so a replacement can start while a terminated agent is still exiting.
    blocks: maxSize * 2,
    inlineBytes: inlinePayloadBytes,
    roles,
  };
}

/** The largest of the three shared buffers, in bytes: what an allocation must be able to give. */
export function sharedBytes(sizes: LayoutSizes): number {
  const layout = computeLayout(sizes);
  return Math.max(layout.byteLength, layout.int32Words * 4, layout.float64Words * 8);
}

export { allocateRegion, completionBudget, completionShare, MAX_ROLES } from './layout.js';
