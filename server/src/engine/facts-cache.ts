// Per-file facts on disk, so reopening a kernel tree (or running kmodcheck on it again) parses only
// what changed. An entry is named by a hash of everything the facts depend on: the text, the
// extract options (kernel version and the configuration options that change an annotation's
// section, built-in or module, how an included file is read) and the analyzer that made them.
// Entries are written to a temporary name and renamed, so a reader sees a whole entry or none; a
// reader trusts nothing it reads: a bad entry (wrong magic, key, length, checksum or shape) is
// removed and the file analyzed again.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import type { ExtractOptions } from '../parsing/extract';
import type { WireFacts } from './wire';

/** Bump when the entry layout or the meaning of facts changes in a way the worker's code hash would miss. */
export const FACTS_CACHE_FORMAT = 1;

/** The whole 6.1 tree's facts take about a quarter of this: room for a few trees or kernel versions. */
export const DEFAULT_FACTS_CACHE_MAX_BYTES = 1024 ** 3;

const MAGIC = Buffer.from('KMFACTS2', 'latin1');
const KEY_BYTES = 32;
const SUM_BYTES = 20;
/** No file the analyzer takes (8 MB) has facts near this: a larger length is a bad entry, not a reason to allocate. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

/** An entry not used for this long gets its time stamp renewed on a hit (pruning removes the oldest). */
const TOUCH_AFTER_MS = 24 * 3600 * 1000;

/** Temporary files older than this were left by a writer that died: pruning removes them. */
const STALE_TEMP_MS = 3600 * 1000;

/** `${XDG_CACHE_HOME:-~/.cache}/kmod-tools/facts`: the CLI's and a standalone server's cache. */
export function defaultFactsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'kmod-tools', 'facts');
}

/**
 * Who made the facts: the entry format and the code of the worker script. A bundled worker
 * (dist/parse-worker.js) holds the whole analyzer, so any change to it starts a fresh cache.
 */
export function analyzerId(script: string): string {
  const hash = crypto.createHash('sha256').update(`kmod-facts ${FACTS_CACHE_FORMAT} ${os.endianness()}\n`);
  try {
    hash.update(fs.readFileSync(script));
  } catch {
    hash.update('unknown worker');
  }
  return hash.digest('hex');
}

/** JSON with object keys sorted: the same options give the same key whatever order built them. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What a file's text is (hex SHA-256): the facts cache's key and the module results cache's dependencies are made of it. */
export function contentHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** The entry's key: a hex SHA-256 of the analyzer, the options and the text's content hash (one pass over the text serves both caches). */
export function factsKey(analyzer: string, options: ExtractOptions, textHash: string): string {
  return crypto
    .createHash('sha256')
    .update(`${analyzer}\n${canonicalJson(options)}\n${textHash}`)
    .digest('hex');
}

/**
 * A sealed entry: a header (magic, key, the body's length, a checksum of what follows), then the
 * body deflated. Deflate makes the whole 6.1 tree's facts a fifth of their size for little CPU.
 */
export function sealEntry(magic: Buffer, key: string, body: Buffer): Buffer {
  return sealed(magic, key, body.length, zlib.deflateRawSync(body, DEFLATE));
}

/** sealEntry, deflating on the thread pool: the server's thread stays free for requests. */
export async function sealEntryAsync(magic: Buffer, key: string, body: Buffer): Promise<Buffer> {
  return sealed(magic, key, body.length, await deflateRaw(body, DEFLATE));
}

const DEFLATE = { level: 1 };
const deflateRaw = promisify(zlib.deflateRaw);

function sealed(magic: Buffer, key: string, bodyLength: number, deflated: Buffer): Buffer {
  const header = Buffer.alloc(magic.length + KEY_BYTES + 4);
  magic.copy(header, 0);
  Buffer.from(key, 'hex').copy(header, magic.length);
  header.writeUInt32LE(bodyLength, magic.length + KEY_BYTES);
  const sum = crypto.createHash('sha1').update(deflated).digest();
  return Buffer.concat([header, sum, deflated]);
}

/** The body of a sealed entry, or undefined when the bytes are not a sound entry of `key` with this magic. */
export function openEntry(magic: Buffer, key: string, bytes: Buffer): Buffer | undefined {
  const sumAt = magic.length + KEY_BYTES + 4;
  if (bytes.length < sumAt + SUM_BYTES) return undefined;
  if (!bytes.subarray(0, magic.length).equals(magic)) return undefined;
  if (!bytes.subarray(magic.length, magic.length + KEY_BYTES).equals(Buffer.from(key, 'hex'))) return undefined;
  const bodyLength = bytes.readUInt32LE(magic.length + KEY_BYTES);
  const deflated = bytes.subarray(sumAt + SUM_BYTES);
  if (bodyLength > MAX_BODY_BYTES) return undefined;
  if (
    !crypto
      .createHash('sha1')
      .update(deflated)
      .digest()
      .equals(bytes.subarray(sumAt, sumAt + SUM_BYTES))
  )
    return undefined;
  try {
    const body = zlib.inflateRawSync(deflated, { maxOutputLength: Math.max(1, bodyLength) });
    return body.length === bodyLength ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The bytes of a facts entry: sealed, its body the facts as JSON (without uri and references) and
 * the references' numbers.
 */
export function encodeEntry(key: string, wire: WireFacts): Buffer {
  const { uri: _uri, packed, ...rest } = wire;
  const json = Buffer.from(JSON.stringify({ ...rest, names: packed.names }), 'utf8');
  const count = packed.lines.length;
  const padded = (json.length + 3) & ~3;
  const body = Buffer.alloc(8 + padded + 12 * count);
  body.writeUInt32LE(json.length, 0);
  body.writeUInt32LE(count, 4);
  json.copy(body, 8);
  let at = 8 + padded;
  for (const array of [packed.lines, packed.characters, packed.fromIndexes]) {
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(body, at);
    at += 4 * count;
  }
  return sealEntry(MAGIC, key, body);
}

/** The facts of an entry for `uri`, or undefined when the bytes are not a sound entry of `key`. */
export function decodeEntry(key: string, bytes: Buffer, uri: string): WireFacts | undefined {
  const body = openEntry(MAGIC, key, bytes);
  if (!body || body.length < 8) return undefined;
  const jsonLength = body.readUInt32LE(0);
  const count = body.readUInt32LE(4);
  const padded = (jsonLength + 3) & ~3;
  if (body.length !== 8 + padded + 12 * count) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8', 8, 8 + jsonLength));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || typeof parsed.names !== 'string') return undefined;
  const { names, ...rest } = parsed;
  // Copies: the arrays are transferred to the main thread, and the body's buffer may be unaligned.
  const numbers = (index: number): Int32Array => {
    const array = new Int32Array(count);
    const start = 8 + padded + index * 4 * count;
    body.copy(Buffer.from(array.buffer), 0, start, start + 4 * count);
    return array;
  };
  const wire = { ...rest, uri, packed: { names, lines: numbers(0), characters: numbers(1), fromIndexes: numbers(2) } };
  return isWireFacts(wire) ? wire : undefined;
}

type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
export const isPosition = (value: unknown): boolean => isRecord(value) && isCount(value.line) && isCount(value.character);
export const isRange = (value: unknown): boolean => isRecord(value) && isPosition(value.start) && isPosition(value.end);
export const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
const optional = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || check(value);

function isSymbol(value: unknown, symbolCount: number): boolean {
  return (
    isRecord(value) &&
    typeof value.name === 'string' &&
    (value.kind === 'function' || value.kind === 'variable') &&
    typeof value.section === 'string' &&
    isStrings(value.annotations) &&
    typeof value.isDefinition === 'boolean' &&
    typeof value.isStatic === 'boolean' &&
    typeof value.isConst === 'boolean' &&
    optional(value.alwaysInline, (v) => typeof v === 'boolean') &&
    optional(value.isInline, (v) => typeof v === 'boolean') &&
    optional(value.localTo, (v) => isCount(v) && v < symbolCount) &&
    isRange(value.nameRange) &&
    isRange(value.fullRange) &&
    Array.isArray(value.annotationRanges) &&
    value.annotationRanges.length === value.annotations.length &&
    value.annotationRanges.every(isRange)
  );
}

const isMacroUse = (value: unknown): boolean =>
  isRecord(value) &&
  typeof value.macro === 'string' &&
  typeof value.argument === 'string' &&
  isRange(value.range) &&
  isRange(value.argumentRange);

const CONDITIONAL_KINDS = new Set(['if', 'ifdef', 'ifndef', 'elif', 'else', 'endif']);

const isConditional = (value: unknown): boolean =>
  isRecord(value) &&
  isCount(value.line) &&
  typeof value.kind === 'string' &&
  CONDITIONAL_KINDS.has(value.kind) &&
  typeof value.condition === 'string';

const isSuppression = (value: unknown): boolean => isRecord(value) && isCount(value.line) && optional(value.codes, isStrings);

/**
 * Every field of WireFacts, each with the check of its value. A field added to FileFacts fails to
 * compile here until it gets one: an entry with a field nobody checks would be dropped as bad on
 * every run, and the file parsed again each time.
 */
const FIELD_CHECKS: {
  readonly [Field in keyof Required<WireFacts>]: Field extends 'uri' | 'symbols' | 'packed' ? null : (value: unknown) => boolean;
} = {
  uri: null,
  symbols: null,
  packed: null,
  macroUses: (v) => Array.isArray(v) && v.every(isMacroUse),
  deferred: (v) => v === true,
  emptiedAnnotations: isStrings,
  includes: isStrings,
  invocationArguments: isStrings,
  conditionals: (v) => Array.isArray(v) && v.every(isConditional),
  suppressions: (v) => Array.isArray(v) && v.every(isSuppression),
  // Failures are never stored: an entry saying so is not one of ours.
  unanalyzable: () => false,
  transient: () => false,
};

/** Whether `value` has every field of WireFacts with its type, and references that point at symbols. */
export function isWireFacts(value: unknown): value is WireFacts {
  if (!isRecord(value) || typeof value.uri !== 'string' || !Array.isArray(value.macroUses)) return false;
  for (const [field, fieldValue] of Object.entries(value)) {
    if (!(field in FIELD_CHECKS)) return false;
    const check = FIELD_CHECKS[field as keyof WireFacts];
    if (check && fieldValue !== undefined && !check(fieldValue)) return false;
  }
  const { symbols, packed } = value;
  if (!Array.isArray(symbols) || !symbols.every((symbol) => isSymbol(symbol, symbols.length))) return false;
  if (!isRecord(packed) || typeof packed.names !== 'string') return false;
  const { lines, characters, fromIndexes } = packed;
  if (!(lines instanceof Int32Array && characters instanceof Int32Array && fromIndexes instanceof Int32Array)) return false;
  const count = lines.length;
  if (characters.length !== count || fromIndexes.length !== count) return false;
  if (count === 0 ? packed.names !== '' : packed.names.split('\n').length !== count) return false;
  for (let i = 0; i < count; i++) {
    if (lines[i] < 0 || characters[i] < 0 || fromIndexes[i] < 0 || fromIndexes[i] >= symbols.length) return false;
  }
  return true;
}

/** What a lookup found: facts, nothing, or an entry that was bad (and is gone now). */
export type CacheLookup = { wire: WireFacts } | 'miss' | 'corrupt';

/**
 * Entries in one cache directory, by key. Never throws: a cache that cannot be read or written is
 * a miss. Entries are written to a temporary name and renamed, so a reader sees a whole entry or none.
 */
export class EntryStore {
  constructor(readonly dir: string) {}

  /** Two hex digits of fan-out keep directories small (a kernel tree is tens of thousands of entries). */
  entryPath(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key.slice(2));
  }

  /** The entry's bytes; 'bad' for something at its name that cannot be one (not a regular file, cut short). */
  read(key: string): Buffer | 'miss' | 'bad' {
    const file = this.entryPath(key);
    let bytes: Buffer | undefined;
    let stat: fs.Stats;
    try {
      const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        stat = fs.fstatSync(fd);
        if (stat.isFile()) {
          const whole = Buffer.allocUnsafe(stat.size);
          let read = 0;
          for (let n = 1; n > 0 && read < whole.length; read += n) n = fs.readSync(fd, whole, read, whole.length - read, read);
          if (read === whole.length) bytes = whole;
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return 'miss';
    }
    if (!bytes) return 'bad';
    if (Date.now() - stat.mtimeMs > TOUCH_AFTER_MS) {
      try {
        const now = new Date();
        fs.utimesSync(file, now, now);
      } catch {
        // Pruned meanwhile, or a read-only cache: the entry is still good.
      }
    }
    return bytes;
  }

  /** Stores `bytes` under `key`; the bytes written, 0 when it could not be. */
  write(key: string, bytes: Buffer): number {
    const file = this.entryPath(key);
    const temp = `${file}.${process.pid}.${threadId}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(temp, bytes, { mode: 0o600 });
      fs.renameSync(temp, file);
      return bytes.length;
    } catch {
      fs.rmSync(temp, { force: true });
      return 0;
    }
  }

  /** write(), with the file system calls on the thread pool. */
  async writeAsync(key: string, bytes: Buffer): Promise<number> {
    const file = this.entryPath(key);
    const temp = `${file}.${process.pid}.${threadId}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(temp, bytes, { mode: 0o600 });
      await fs.promises.rename(temp, file);
      return bytes.length;
    } catch {
      await fs.promises.rm(temp, { force: true }).catch(() => undefined);
      return 0;
    }
  }

  /** Removes a bad entry (whatever is at its name: only our entries belong there). */
  drop(key: string): 'corrupt' {
    try {
      fs.rmSync(this.entryPath(key), { force: true, recursive: true });
    } catch {
      // Another process removed or replaced it: the next lookup decides again.
    }
    return 'corrupt';
  }
}

/** What a facts cache did (in one pool, in one module's check), for the caller (pruning) and tests. */
export interface CacheStats {
  hits: number;
  stored: number;
  corrupt: number;
  bytesWritten: number;
}

/** One cache directory's facts entries, as a worker uses them. */
export class FactsCache {
  private readonly store: EntryStore;

  constructor(
    readonly dir: string,
    readonly analyzer: string,
  ) {
    this.store = new EntryStore(dir);
  }

  key(options: ExtractOptions, textHash: string): string {
    return factsKey(this.analyzer, options, textHash);
  }

  entryPath(key: string): string {
    return this.store.entryPath(key);
  }

  get(key: string, uri: string): CacheLookup {
    const bytes = this.store.read(key);
    if (bytes === 'miss') return 'miss';
    const wire = bytes === 'bad' ? undefined : decodeEntry(key, bytes, uri);
    return wire ? { wire } : this.store.drop(key);
  }

  /** Stores `wire` under `key`; the bytes written, 0 when it could not be. */
  put(key: string, wire: WireFacts): number {
    try {
      return this.store.write(key, encodeEntry(key, wire));
    } catch {
      return 0;
    }
  }
}

export interface PruneResult {
  /** Bytes of the entries kept. */
  bytes: number;
  entries: number;
  removed: number;
}

/**
 * Keeps the cache under `maxBytes`: the least recently used entries (oldest time stamp) go first,
 * down to three quarters of the bound so the next runs do not prune again at once; temporary files
 * a dead writer left go too. Safe while others read and write: a removed entry is a miss.
 */
export async function pruneFactsCache(dir: string, maxBytes = DEFAULT_FACTS_CACHE_MAX_BYTES, now = Date.now()): Promise<PruneResult> {
  const entries: { file: string; size: number; mtimeMs: number }[] = [];
  let removed = 0;
  let shards: string[];
  try {
    shards = (await fs.promises.readdir(dir)).filter((name) => /^[0-9a-f]{2}$/.test(name));
  } catch {
    return { bytes: 0, entries: 0, removed: 0 };
  }
  for (const shard of shards) {
    const shardDir = path.join(dir, shard);
    let names: string[];
    try {
      names = await fs.promises.readdir(shardDir);
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(shardDir, name);
      const stat = await fs.promises.lstat(file).catch(() => undefined);
      if (!stat?.isFile()) continue;
      if (name.endsWith('.tmp')) {
        if (now - stat.mtimeMs > STALE_TEMP_MS && (await remove(file))) removed++;
        continue;
      }
      entries.push({ file, size: stat.size, mtimeMs: stat.mtimeMs });
    }
  }
  let bytes = entries.reduce((sum, entry) => sum + entry.size, 0);
  if (bytes > maxBytes) {
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs);
    const target = Math.floor(maxBytes * 0.75);
    let kept = entries.length;
    for (const entry of entries) {
      if (bytes <= target) break;
      if (await remove(entry.file)) removed++;
      bytes -= entry.size;
      kept--;
    }
    return { bytes, entries: kept, removed };
  }
  return { bytes, entries: entries.length, removed };
}

/** The cache's size as last known (written by pruning, grown by each run's writes): a guess, never trusted for more. */
const USAGE_FILE = 'usage.json';

/**
 * Called once a run has written `written` bytes of entries: prunes when the cache may have grown
 * past `maxBytes`. The size is kept as an estimate beside the entries, so a run that wrote a few
 * entries does not stat tens of thousands; concurrent runs may lose each other's additions, which
 * only delays a prune (the next one counts every entry again).
 */
export async function noteWrites(dir: string, written: number, maxBytes = DEFAULT_FACTS_CACHE_MAX_BYTES): Promise<PruneResult | undefined> {
  if (written <= 0) return undefined;
  const usageFile = path.join(dir, USAGE_FILE);
  let estimate: number | undefined;
  try {
    const parsed: unknown = JSON.parse(await fs.promises.readFile(usageFile, 'utf8'));
    if (isRecord(parsed) && isCount(parsed.bytes)) estimate = parsed.bytes + written;
  } catch {
    // No estimate yet (or a bad one): count.
  }
  const pruned = estimate === undefined || estimate > maxBytes ? await pruneFactsCache(dir, maxBytes) : undefined;
  const bytes = pruned?.bytes ?? estimate ?? 0;
  const temp = `${usageFile}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.promises.writeFile(temp, JSON.stringify({ bytes }));
    await fs.promises.rename(temp, usageFile);
  } catch {
    await remove(temp);
  }
  return pruned;
}

async function remove(file: string): Promise<boolean> {
  return fs.promises.rm(file, { force: true }).then(
    () => true,
    () => false,
  );
}
