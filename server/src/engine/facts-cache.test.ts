import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createCParser } from '../parsing/parser';
import { analyzeFile } from './analyze-file';
import { packFacts, unpackFacts, type WireFacts } from './wire';
import {
  analyzerId,
  canonicalJson,
  decodeEntry,
  defaultFactsCacheDir,
  encodeEntry,
  FactsCache,
  factsKey,
  isWireFacts,
  noteWrites,
  pruneFactsCache,
} from './facts-cache';
import { FactsPool } from './facts-pool';
import { DEBIAN_CONFIG } from '../knowledge/kernel-config';
import type { ExtractOptions } from '../parsing/extract';

const OPTIONS: ExtractOptions = { version: [6, 1], config: DEBIAN_CONFIG, builtin: false };
const REPO = path.resolve(__dirname, '../../../..');
const SAMPLE = 'test/kbuild/fixtures/mixed/mixed.c';

const tempDirs: string[] = [];
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-facts-cache-'));
  tempDirs.push(dir);
  return dir;
};

async function sampleWire(): Promise<{ wire: WireFacts; text: string }> {
  const text = fs.readFileSync(path.join(REPO, SAMPLE), 'utf8');
  const facts = analyzeFile(await createCParser(), 'file:///a/mixed.c', text, OPTIONS);
  assert.ok(facts.references.length > 0 && facts.symbols.length > 0);
  return { wire: packFacts(facts).wire, text };
}

describe('facts cache', () => {
  after(() => {
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lives under XDG_CACHE_HOME when it is absolute, else ~/.cache', () => {
    assert.equal(defaultFactsCacheDir({ XDG_CACHE_HOME: '/x/cache' }), '/x/cache/kmod-tools/facts');
    assert.equal(defaultFactsCacheDir({ XDG_CACHE_HOME: 'relative' }), path.join(os.homedir(), '.cache', 'kmod-tools', 'facts'));
    assert.equal(defaultFactsCacheDir({}), path.join(os.homedir(), '.cache', 'kmod-tools', 'facts'));
  });

  it('keys by text, options (in any key order) and analyzer', () => {
    const key = factsKey('a', OPTIONS, 'int x;');
    assert.match(key, /^[0-9a-f]{64}$/);
    const reordered: ExtractOptions = { builtin: false, config: { ...DEBIAN_CONFIG }, version: [6, 1] };
    assert.equal(factsKey('a', reordered, 'int x;'), key);
    assert.notEqual(factsKey('b', OPTIONS, 'int x;'), key);
    assert.notEqual(factsKey('a', OPTIONS, 'int y;'), key);
    assert.notEqual(factsKey('a', { ...OPTIONS, builtin: true }, 'int x;'), key);
    assert.notEqual(factsKey('a', { ...OPTIONS, version: [6, 12] }, 'int x;'), key);
    assert.notEqual(factsKey('a', { ...OPTIONS, config: { ...DEBIAN_CONFIG, CONFIG_NET_NS: false } }, 'int x;'), key);
    assert.notEqual(factsKey('a', { ...OPTIONS, included: true }, 'int x;'), key);
    assert.notEqual(factsKey('a', { ...OPTIONS, included: { mentions: ['f'] } }, 'int x;'), key);
    assert.equal(canonicalJson({ b: 1, a: [true, 'x', { d: null, c: undefined }] }), '{"a":[true,"x",{"d":null}],"b":1}');
  });

  it('changes the analyzer id with the worker script', () => {
    const dir = tempDir();
    const script = path.join(dir, 'w.js');
    fs.writeFileSync(script, 'one');
    const first = analyzerId(script);
    assert.equal(analyzerId(script), first);
    fs.writeFileSync(script, 'two');
    assert.notEqual(analyzerId(script), first);
  });

  it('gives back the facts it stored, under the uri asked for', async () => {
    const { wire, text } = await sampleWire();
    const key = factsKey('test', OPTIONS, text);
    const decoded = decodeEntry(key, encodeEntry(key, structuredClone(wire)), 'file:///b/copy.c');
    assert.ok(decoded);
    assert.deepEqual(unpackFacts(decoded), { ...unpackFacts(structuredClone(wire)), uri: 'file:///b/copy.c' });
    // Facts without references, and with every optional field.
    const bare: WireFacts = {
      uri: 'x',
      symbols: [],
      macroUses: [],
      deferred: true,
      includes: ['<linux/x.h>'],
      suppressions: [{ line: 3, codes: ['section-mismatch'] }, { line: 9 }],
      conditionals: [{ line: 1, kind: 'ifdef', condition: 'CONFIG_X' }],
      packed: { names: '', lines: new Int32Array(0), characters: new Int32Array(0), fromIndexes: new Int32Array(0) },
    };
    assert.deepEqual(decodeEntry(key, encodeEntry(key, bare), 'x'), bare);
  });

  it('rejects every damaged entry: a flipped byte anywhere, a cut, another key, a bad shape', async () => {
    const { wire, text } = await sampleWire();
    const key = factsKey('test', OPTIONS, text);
    const bytes = encodeEntry(key, wire);
    for (let at = 0; at < bytes.length; at += Math.max(1, Math.floor(bytes.length / 97))) {
      const damaged = Buffer.from(bytes);
      damaged[at] ^= 0x20;
      assert.equal(decodeEntry(key, damaged, 'u'), undefined, `byte ${at}`);
    }
    for (const length of [0, 10, 67, bytes.length - 1]) assert.equal(decodeEntry(key, bytes.subarray(0, length), 'u'), undefined);
    assert.equal(decodeEntry(factsKey('test', OPTIONS, `${text} `), bytes, 'u'), undefined);
    // Well-formed entries with facts that would break the main thread are refused too.
    const broken = [
      { ...wire, symbols: [{ name: 3 }] },
      { ...wire, packed: { ...wire.packed, fromIndexes: wire.packed.fromIndexes.map(() => wire.symbols.length) } },
      { ...wire, packed: { ...wire.packed, names: `${wire.packed.names}\nextra` } },
      { ...wire, unanalyzable: 'no' },
      { ...wire, conditionals: [{ line: 1, kind: 'iff', condition: '' }] },
    ];
    for (const facts of broken) {
      assert.equal(isWireFacts(facts), false);
      assert.equal(decodeEntry(key, encodeEntry(key, facts as WireFacts), 'u'), undefined);
    }
  });

  it('drops a corrupt entry on disk (the caller analyzes again) and reads a rewritten one', async () => {
    const { wire, text } = await sampleWire();
    const cache = new FactsCache(tempDir(), 'test');
    const key = cache.key(OPTIONS, text);
    assert.equal(cache.get(key, 'u'), 'miss');
    assert.ok(cache.put(key, wire) > 0);
    assert.equal(typeof cache.get(key, 'u'), 'object');
    const file = cache.entryPath(key);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 5] ^= 1;
    fs.writeFileSync(file, bytes);
    assert.equal(cache.get(key, 'u'), 'corrupt');
    assert.equal(fs.existsSync(file), false);
    assert.equal(cache.get(key, 'u'), 'miss');
    // Not a regular file where an entry should be: dropped, never read (no blocking on a FIFO).
    fs.mkdirSync(file);
    assert.equal(cache.get(key, 'u'), 'corrupt');
    assert.ok(cache.put(key, wire) > 0);
    assert.equal(typeof cache.get(key, 'u'), 'object');
  });

  it('stays whole with writers in several threads storing the same and other keys at once', async function () {
    this.timeout(30_000);
    const { wire, text } = await sampleWire();
    const dir = tempDir();
    const keys = Array.from({ length: 20 }, (_, i) => factsKey('test', OPTIONS, `${text}${i % 5}`));
    // Each thread writes every key many times; readers in this thread check whatever is there.
    const script = `
      const { workerData, parentPort } = require('node:worker_threads');
      const { FactsCache } = require(${JSON.stringify(path.join(__dirname, 'facts-cache.js'))});
      const cache = new FactsCache(workerData.dir, 'test');
      for (let round = 0; round < 5; round++) for (const key of workerData.keys) cache.put(key, workerData.wire);
      parentPort.postMessage('done');
    `;
    const workers = Array.from(
      { length: 4 },
      () => new Worker(script, { eval: true, workerData: { dir, keys, wire: structuredClone(wire) } }),
    );
    const cache = new FactsCache(dir, 'test');
    let reads = 0;
    const finished = Promise.all(workers.map((w) => new Promise((resolve, reject) => w.on('message', resolve).on('error', reject))));
    let done = false;
    void finished.then(() => (done = true));
    while (!done) {
      for (const key of keys) {
        const found = cache.get(key, 'u');
        assert.notEqual(found, 'corrupt');
        if (found !== 'miss') reads++;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await finished;
    for (const key of keys) assert.equal(typeof cache.get(key, 'u'), 'object');
    assert.ok(reads > 0);
    const leftovers = fs.readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
  });

  it('prunes the least recently used entries past the bound, and temporary files a dead writer left', async () => {
    const { wire, text } = await sampleWire();
    const dir = tempDir();
    const cache = new FactsCache(dir, 'test');
    const keys = Array.from({ length: 10 }, (_, i) => cache.key(OPTIONS, `${text}${i}`));
    const size = cache.put(keys[0], wire);
    for (const [i, key] of keys.entries()) {
      cache.put(key, wire);
      const at = new Date(Date.now() - (100 - i) * 60_000);
      fs.utimesSync(cache.entryPath(key), at, at);
    }
    const stale = `${cache.entryPath(keys[0])}.1.1.dead.tmp`;
    fs.writeFileSync(stale, 'half');
    const old = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(stale, old, old);
    const result = await pruneFactsCache(dir, size * 6);
    assert.ok(result.bytes <= size * 6 * 0.75, `${result.bytes} bytes left`);
    assert.equal(fs.existsSync(stale), false);
    const kept = keys.filter((key) => fs.existsSync(cache.entryPath(key)));
    assert.equal(kept.length, result.entries);
    assert.deepEqual(kept, keys.slice(keys.length - kept.length), 'the newest are kept');
    // Under the bound nothing goes.
    assert.deepEqual(await pruneFactsCache(dir, size * 100), { bytes: result.bytes, entries: kept.length, removed: 0 });
  });

  it('prunes after writes only when the estimate of its size passes the bound', async () => {
    const { wire, text } = await sampleWire();
    const dir = tempDir();
    const cache = new FactsCache(dir, 'test');
    const size = cache.put(cache.key(OPTIONS, text), wire);
    assert.equal(await noteWrites(dir, 0, size), undefined);
    // No estimate yet: every entry is counted once.
    assert.equal((await noteWrites(dir, size, size * 10))?.entries, 1);
    for (let i = 0; i < 12; i++) cache.put(cache.key(OPTIONS, `${text}${i}`), wire);
    assert.equal(await noteWrites(dir, size * 5, size * 10), undefined, 'estimate 6 entries: no walk');
    const pruned = await noteWrites(dir, size * 7, size * 10);
    assert.ok(pruned && pruned.bytes <= size * 7.5);
  });

  it('lets a pool answer a file from the cache the second time, with equal facts', async function () {
    this.timeout(20_000);
    const dir = tempDir();
    const file = path.join(REPO, SAMPLE);
    const uri = 'file:///mixed.c';
    const pools = [new FactsPool({ size: 1, cacheDir: dir }), new FactsPool({ size: 1, cacheDir: dir }), new FactsPool({ size: 1 })];
    try {
      const cold = await pools[0].analyze(uri, file, OPTIONS);
      assert.deepEqual(pools[0].cacheStats, { hits: 0, stored: 1, corrupt: 0, bytesWritten: pools[0].cacheStats.bytesWritten });
      const warm = await pools[1].analyze(uri, file, OPTIONS);
      assert.equal(pools[1].cacheStats.hits, 1);
      assert.deepEqual(warm, cold);
      assert.deepEqual(await pools[2].analyze(uri, file, OPTIONS), cold);
      // Other options are another entry.
      await pools[1].analyze(uri, file, { ...OPTIONS, builtin: true });
      assert.equal(pools[1].cacheStats.stored, 1);
    } finally {
      await Promise.all(pools.map((pool) => pool.dispose()));
    }
  });

  it('answers a warm run of many files in batches, equal to a cold one; a bad entry among them is redone', async function () {
    this.timeout(60_000);
    const dir = tempDir();
    const sources = tempDir();
    const text = fs.readFileSync(path.join(REPO, SAMPLE), 'utf8');
    const files = Array.from({ length: 120 }, (_, i) => {
      const file = path.join(sources, `f${i}.c`);
      fs.writeFileSync(file, `${text}\nstatic int extra_${i} __initdata;\n`);
      return file;
    });
    const analyzeAll = (pool: FactsPool) => Promise.all(files.map((file) => pool.analyze(`file://${file}`, file, OPTIONS)));
    const cold = new FactsPool({ size: 2, cacheDir: dir });
    const warm = new FactsPool({ size: 2, cacheDir: dir });
    try {
      const expected = await analyzeAll(cold);
      assert.equal(cold.cacheStats.stored, files.length);
      const cache = new FactsCache(dir, 'unused');
      const entries = fs
        .readdirSync(dir, { recursive: true })
        .map(String)
        .filter((name) => /^[0-9a-f]{2}\/[0-9a-f]{62}$/.test(name));
      fs.writeFileSync(path.join(cache.dir, entries[60]), 'bad');
      assert.deepEqual(await analyzeAll(warm), expected);
      assert.deepEqual({ ...warm.cacheStats, bytesWritten: 0 }, { hits: files.length - 1, stored: 1, corrupt: 1, bytesWritten: 0 });
      // Once it runs on hits, the pool batches: a second warm pass over the same pool is all hits too.
      assert.deepEqual(await analyzeAll(warm), expected);
      assert.equal(warm.cacheStats.hits, 2 * files.length - 1);
      assert.ok(warm.batchesPosted > 0);
      assert.equal(cold.batchesPosted, 0, 'misses go one at a time');
    } finally {
      await Promise.all([cold.dispose(), warm.dispose()]);
    }
  });
});
