// Names → entry numbers for tables of hundreds of thousands of names kept for the server's
// lifetime: the names in one flat string and an open-addressing table of entry numbers in a typed
// array. A fifth of a Map's memory, nothing for the garbage collector to walk, and sent between
// threads as a string and two buffers (a Map of 100,000 names took 140 ms to rebuild).

export interface NameIndexParts {
  names: string;
  /** Entry i's name is names[starts[i], starts[i + 1]). */
  starts: Int32Array;
  /** Entry numbers by hash; -1 for a free slot. */
  slots: Int32Array;
}

export class NameIndex {
  private constructor(private readonly parts: NameIndexParts) {}

  /** The index of `names` (distinct): entry i is names[i]. */
  static of(names: readonly string[]): NameIndex {
    const starts = new Int32Array(names.length + 1);
    let offset = 0;
    for (let i = 0; i < names.length; i++) {
      starts[i] = offset;
      offset += names[i].length;
    }
    starts[names.length] = offset;
    // Filled to between a third and two thirds: a miss probes about three slots at worst, and a
    // table of half a million names takes 4 MB, not the 8 MB a table at most half full would.
    let capacity = 16;
    while (capacity < names.length * 1.5) capacity *= 2;
    const slots = new Int32Array(capacity).fill(-1);
    for (let entry = 0; entry < names.length; entry++) {
      let slot = hashOf(names[entry]) & (capacity - 1);
      while (slots[slot] !== -1) slot = (slot + 1) & (capacity - 1);
      slots[slot] = entry;
    }
    return new NameIndex({ names: names.join(''), starts, slots });
  }

  static fromParts(parts: NameIndexParts): NameIndex {
    return new NameIndex(parts);
  }

  /** What to send to another thread (the typed arrays' buffers can be transferred). */
  get data(): NameIndexParts {
    return this.parts;
  }

  get size(): number {
    return this.parts.starts.length - 1;
  }

  /** The entry number of `name`, or -1. */
  indexOf(name: string): number {
    const { names, starts, slots } = this.parts;
    const mask = slots.length - 1;
    for (let slot = hashOf(name) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot];
      if (entry === -1) return -1;
      const start = starts[entry];
      if (starts[entry + 1] - start === name.length && names.startsWith(name, start)) return entry;
    }
  }
}

/**
 * Whether `value` is a sound NameIndexParts (read from disk, say): the offsets in order within the
 * names, every slot free or an entry, and a free slot somewhere (a lookup of an absent name stops there).
 */
export function isNameIndexParts(value: unknown): value is NameIndexParts {
  if (typeof value !== 'object' || value === null) return false;
  const { names, starts, slots } = value as Partial<NameIndexParts>;
  if (typeof names !== 'string' || !(starts instanceof Int32Array) || !(slots instanceof Int32Array)) return false;
  const size = starts.length - 1;
  if (size < 0 || starts[0] !== 0 || starts[size] !== names.length) return false;
  for (let i = 0; i < size; i++) if (starts[i + 1] < starts[i]) return false;
  if (slots.length === 0 || (slots.length & (slots.length - 1)) !== 0) return false;
  let free = false;
  for (const entry of slots) {
    if (entry === -1) free = true;
    else if (entry < 0 || entry >= size) return false;
  }
  return free;
}

/** The parts with arrays of their own (parts read back share one buffer; a transfer would take it whole). */
export function withOwnBuffers(parts: NameIndexParts): NameIndexParts {
  return { names: parts.names, starts: parts.starts.slice(), slots: parts.slots.slice() };
}

/** FNV-1a over the UTF-16 code units. */
function hashOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
