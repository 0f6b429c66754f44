// The header tables (header-symbols.ts's declarations for the link checks, header-names.ts's names
// for hovers) kept in the facts cache directory. A build dir's headers change when its package is
// upgraded, and scanning them took 0.7 and 1.1 s at every start of the server and of kmodcheck.
// An entry's key covers the path, size and modification time of every header scanned, the kernel
// configuration and the scanning code. What is read back is checked before it is used; a bad entry
// is removed and the headers scanned again.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import type { KernelConfig } from '../knowledge/kernel-config';
import { analyzerId, EntryStore, isStrings, openEntry, sealEntry } from './facts-cache';
import { isNameIndexParts } from './name-index';

const MAGIC = Buffer.from('KMHEADR1', 'latin1');

/** Bump when a table's layout or meaning changes in a way the scanning code's hash would miss. */
const HEADER_CACHE_FORMAT = 1;

/** What the files are now: each one's path, size and modification time (a header the package replaced differs). */
export function headerFilesStamp(files: readonly string[]): string {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(file);
    } catch {
      stat = undefined;
    }
    hash.update(stat ? `${file}\0${stat.size}\0${stat.mtimeMs}\n` : `${file}\0gone\n`);
  }
  return hash.digest('hex');
}

/** The key of a table: what it is (`task`), of which build dir and files, under which configuration, made by which `script`. */
export function headerTableKey(task: string, kdir: string, files: readonly string[], script: string, config?: KernelConfig): string {
  const configText = config
    ? [...config]
        .map(([name, value]) => `${name}=${value}`)
        .sort()
        .join('\n')
    : '';
  return crypto
    .createHash('sha256')
    .update(`kmod-headers ${HEADER_CACHE_FORMAT}\n${analyzerId(script)}\n${task}\n${kdir}\n${headerFilesStamp(files)}\n${configText}`)
    .digest('hex');
}

/** Header tables in a cache directory (the facts cache's: its pruning counts them too). Never throws. */
export class HeaderTableCache {
  private readonly store: EntryStore;

  constructor(dir: string) {
    this.store = new EntryStore(dir);
  }

  /** The table stored under `key` when it reads back whole and `isTable` accepts it; a bad entry is removed. */
  get<T>(key: string, isTable: (value: unknown) => value is T): T | undefined {
    const bytes = this.store.read(key);
    if (bytes === 'miss') return undefined;
    const body = bytes === 'bad' ? undefined : openEntry(MAGIC, key, bytes);
    if (body) {
      try {
        const value: unknown = v8.deserialize(body);
        if (isTable(value)) return value;
      } catch {
        // Not a serialized value: a bad entry.
      }
    }
    this.store.drop(key);
    return undefined;
  }

  /** Stores `table` under `key` (typed arrays and strings); the bytes written, 0 when it could not be. */
  put(key: string, table: unknown): number {
    try {
      return this.store.write(key, sealEntry(MAGIC, key, v8.serialize(table)));
    } catch {
      return 0;
    }
  }
}

/**
 * A header table from the cache in `cacheDir` when an entry of its key (`keyOf`) reads back sound,
 * else `scan`ned and stored there. The arrays of a table read back share the entry's buffer:
 * `ownBuffers` gives each its own, so that the table can be sent to another thread.
 */
export async function cachedHeaderTable<T>(
  cacheDir: string | undefined,
  keyOf: () => string,
  isTable: (value: unknown) => value is T,
  ownBuffers: (table: T) => T,
  scan: () => Promise<T>,
): Promise<T> {
  const cache = cacheDir ? new HeaderTableCache(cacheDir) : undefined;
  const key = cache && keyOf();
  const cached = key ? cache.get(key, isTable) : undefined;
  if (cached) return ownBuffers(cached);
  const table = await scan();
  if (key) cache.put(key, table);
  return table;
}

/** The number of entries of a table read back whose name index and file names are sound, else undefined. */
export function indexedTableSize(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { index, files } = value as { index?: unknown; files?: unknown };
  return isStrings(files) && isNameIndexParts(index) ? index.starts.length - 1 : undefined;
}
