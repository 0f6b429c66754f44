import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { contentHash } from './facts-cache';
import { ContentHashes, decodeModuleEntry, ModuleResultCache, type Dependency, type ModuleResult } from './module-cache';

const RANGE = { start: { line: 1, character: 4 }, end: { line: 1, character: 9 } };

const RESULT: ModuleResult = {
  files: [{ uri: 'file:///m/a.c' }, { uri: 'file:///m/big.c', unanalyzable: 'files over 8 MB are not analyzed' }],
  included: ['file:///m/a.h'],
  findings: [
    {
      uri: 'file:///m/a.c',
      range: RANGE,
      severity: 'warning',
      code: 'section-mismatch',
      message: 'bye (.exit.text) uses d (.init.data)',
      from: { symbol: 'bye', section: '.exit.text' },
      to: { symbol: 'd', section: '.init.data' },
      related: [{ uri: 'file:///m/a.c', range: RANGE, message: 'd is defined here' }],
      modpost: 'WARNING: modpost: m: section mismatch in reference: bye (section: .exit.text) -> d (section: .init.data)',
    },
  ],
  vmlinux: {
    definitions: [
      {
        name: 'm_setup',
        arch: 'x86',
        transient: { name: 'm_setup', kind: 'function', section: '.init.text', uri: 'file:///m/a.c', nameRange: RANGE },
      },
      { name: 'm_later' },
    ],
    unresolved: ['printk'],
  },
};

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-module-cache-'));
  tempDirs.push(dir);
  return dir;
}

/** A module's files on disk and their dependencies as the service lists them. */
function moduleOnDisk(dir: string): { deps: Dependency[]; source: string; shadow: string } {
  const source = path.join(dir, 'a.c');
  const header = path.join(dir, 'inc', 'a.h');
  const shadow = path.join(dir, 'a.h');
  fs.mkdirSync(path.dirname(header), { recursive: true });
  fs.writeFileSync(source, '#include "a.h"\n');
  fs.writeFileSync(header, 'int a;\n');
  return {
    deps: [
      [source, contentHash('#include "a.h"\n')],
      [header, contentHash('int a;\n')],
      [shadow, null],
    ],
    source,
    shadow,
  };
}

const notOpen = (): boolean => false;

describe('module results cache', () => {
  after(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('gives back what was stored while every dependency is as it was', async () => {
    const dir = tempDir();
    const cache = new ModuleResultCache(path.join(dir, 'cache'), 'test');
    const { deps } = moduleOnDisk(dir);
    const key = cache.key('m', 'ctx');
    assert.equal(await cache.get(key, new ContentHashes(), notOpen), undefined);
    assert.ok((await cache.put(key, RESULT, deps)) > 0);
    assert.deepEqual(await cache.get(key, new ContentHashes(), notOpen), RESULT);
    assert.notEqual(cache.key('m', 'another ctx'), key);
    assert.notEqual(new ModuleResultCache(dir, 'other code').key('m', 'ctx'), key);
  });

  it('misses when a file changed, a path looked for and not found appears, or a file is open in the editor', async () => {
    const dir = tempDir();
    const cache = new ModuleResultCache(path.join(dir, 'cache'), 'test');
    const { deps, source, shadow } = moduleOnDisk(dir);
    const key = cache.key('m', 'ctx');
    await cache.put(key, RESULT, deps);

    assert.equal(await cache.get(key, new ContentHashes(), (file) => file.endsWith('/a.c')), undefined, 'open');
    fs.writeFileSync(source, '#include "a.h" \n');
    assert.equal(await cache.get(key, new ContentHashes(), notOpen), undefined, 'changed');
    fs.writeFileSync(source, '#include "a.h"\n');
    assert.deepEqual(await cache.get(key, new ContentHashes(), notOpen), RESULT, 'changed back');
    fs.writeFileSync(shadow, 'int b;\n');
    assert.equal(await cache.get(key, new ContentHashes(), notOpen), undefined, 'appeared');
    fs.rmSync(shadow);
    fs.rmSync(source);
    assert.equal(await cache.get(key, new ContentHashes(), notOpen), undefined, 'removed');
  });

  it('looks at each file once per pass, and reads it only when its status does not vouch for its content', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.c');
    fs.writeFileSync(file, 'one');
    // Just written: within the racy window its status vouches for nothing, and the content is compared.
    const racy = await new ContentHashes().dependency(file);
    assert.deepEqual(racy, [file, contentHash('one')]);
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(file, past, past);
    // Seen a few seconds later, when the change time (moved by utimes) is old enough too.
    const later = () => Date.now() + 5000;
    const dependency = await new ContentHashes(later).dependency(file);
    assert.equal(dependency.length, 3);
    assert.equal(dependency[1], contentHash('one'));

    const pass = new ContentHashes(later);
    assert.equal(await pass.allMatch([dependency]), true);
    fs.writeFileSync(file, 'two');
    assert.equal(await pass.allMatch([dependency]), true, 'the same pass sees the file as it first was');
    assert.equal(await new ContentHashes(later).allMatch([dependency]), false, 'the next pass sees the change');

    // Same size, modification time set back: the change time still tells, and the content decides.
    fs.writeFileSync(file, 'one');
    fs.utimesSync(file, past, past);
    assert.equal(await new ContentHashes(later).allMatch([dependency]), true, 'the same content again');
    fs.writeFileSync(file, 'six');
    fs.utimesSync(file, past, past);
    assert.equal(await new ContentHashes(later).allMatch([dependency]), false, 'another content of the same size and time');

    const missing = path.join(dir, 'missing.h');
    assert.deepEqual(await new ContentHashes().dependency(missing), [missing, null]);
    assert.equal(await new ContentHashes().allMatch([[missing, null]]), true);
    assert.equal(await new ContentHashes().allMatch([[dir, null]]), true, 'a directory is no file');
  });

  it('never trusts a damaged entry or one of another shape: it is removed and reported as a miss', async () => {
    const dir = tempDir();
    const cache = new ModuleResultCache(path.join(dir, 'cache'), 'test');
    const { deps } = moduleOnDisk(dir);
    const key = cache.key('m', 'ctx');
    await cache.put(key, RESULT, deps);
    const entry = path.join(dir, 'cache', key.slice(0, 2), key.slice(2));
    const bytes = fs.readFileSync(entry);
    for (let at = 0; at < bytes.length; at++) {
      const damaged = Buffer.from(bytes);
      damaged[at] ^= 0x41;
      assert.equal(decodeModuleEntry(key, damaged), undefined, `byte ${at}`);
    }
    assert.equal(decodeModuleEntry(cache.key('n', 'ctx'), bytes), undefined, 'another key');

    // Sealed soundly but not a result: a finding with an unknown code, a dependency that is no pair.
    for (const bad of [
      { ...RESULT, findings: [{ ...RESULT.findings[0], code: 'no-such-code' }] },
      { ...RESULT, files: [{ uri: 1 }] },
    ]) {
      await cache.put(key, bad as ModuleResult, deps);
      assert.equal(await cache.get(key, new ContentHashes(), notOpen), undefined);
      assert.equal(fs.existsSync(entry), false, 'the bad entry is removed');
    }
    await cache.put(key, RESULT, [[deps[0][0], 7] as unknown as Dependency]);
    assert.equal(await cache.get(key, new ContentHashes(), notOpen), undefined);
    assert.equal(fs.existsSync(entry), false);
  });

  it('two writers of the same entry at once leave one sound entry', async () => {
    const dir = tempDir();
    const cacheDir = path.join(dir, 'cache');
    const { deps } = moduleOnDisk(dir);
    const script = `
      const { workerData, parentPort } = require('node:worker_threads');
      const { ModuleResultCache } = require(${JSON.stringify(path.join(__dirname, 'module-cache.js'))});
      const cache = new ModuleResultCache(workerData.dir, 'test');
      const key = cache.key('m', 'ctx');
      (async () => {
        for (let i = 0; i < 200; i++) await cache.put(key, workerData.result, workerData.deps);
        parentPort.postMessage('done');
      })();
    `;
    await Promise.all(
      [1, 2].map(
        () =>
          new Promise((resolve, reject) => {
            const worker = new Worker(script, { eval: true, workerData: { dir: cacheDir, result: RESULT, deps } });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    const cache = new ModuleResultCache(cacheDir, 'test');
    assert.deepEqual(await cache.get(cache.key('m', 'ctx'), new ContentHashes(), notOpen), RESULT);
    const shard = path.join(cacheDir, cache.key('m', 'ctx').slice(0, 2));
    assert.deepEqual(
      fs.readdirSync(shard).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });
});
