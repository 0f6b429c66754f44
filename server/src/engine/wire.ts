// FileFacts as they cross from a parse worker to the main thread. Structured clone copies each
// reference object with its two strings (about 1 µs a reference: 8 ms for a 700 KB file, and a
// third of the pool's overhead on the whole tree); packed, a file's references are one string
// and three typed arrays, and the receiver rebuilds the objects in a fraction of that.

import { reference, type FileFacts, type Reference } from '../model/types';

export interface PackedReferences {
  /** Referenced names, joined by '\n' (an identifier never contains one). */
  names: string;
  lines: Int32Array;
  characters: Int32Array;
  fromIndexes: Int32Array;
}

export type WireFacts = Omit<FileFacts, 'references'> & { packed: PackedReferences };

export function packFacts(facts: FileFacts): { wire: WireFacts; transfer: ArrayBuffer[] } {
  const { references, ...rest } = facts;
  const count = references.length;
  const lines = new Int32Array(count),
    characters = new Int32Array(count),
    fromIndexes = new Int32Array(count);
  const names: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const ref = references[i];
    names[i] = ref.name;
    lines[i] = ref.line;
    characters[i] = ref.character;
    fromIndexes[i] = ref.fromIndex;
  }
  const packed = { names: names.join('\n'), lines, characters, fromIndexes };
  return { wire: { ...rest, packed }, transfer: [lines.buffer, characters.buffer, fromIndexes.buffer] };
}

/** `symbols`: every symbol of the file, when the wire carries only some (a delta: facts-pool.ts). */
export function unpackFacts(wire: WireFacts, symbols: readonly FileFacts['symbols'][number][] = wire.symbols): FileFacts {
  const { packed, ...rest } = wire;
  const count = packed.lines.length;
  const names = count > 0 ? packed.names.split('\n') : [];
  const references: Reference[] = new Array<Reference>(count);
  for (let i = 0; i < count; i++) {
    const fromIndex = packed.fromIndexes[i];
    references[i] = reference(names[i], { line: packed.lines[i], character: packed.characters[i] }, symbols[fromIndex].name, fromIndex);
  }
  return { ...rest, references };
}
