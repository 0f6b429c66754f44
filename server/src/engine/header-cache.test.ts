import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HeaderTableCache, headerTableKey } from './header-cache';
import { headerNameFiles, namesTable, NameTable } from './header-names';
import { HeaderSymbols, headerSymbolFiles, kernelHeaderSymbols, symbolsTable } from './header-symbols';

// A build dir of three headers; the tables are read back from the cache while the headers stay as
// they were, and scanned again when a header's size or time stamp, the configuration or the entry changes.
describe('header tables cache (header declarations and names kept beside the facts)', () => {
  let root: string;
  let kdir: string;
  let cacheDir: string;
  const config = new Map([['CONFIG_WARM', 'y']]);
  const STAMP = 1_700_000_000;
  const header = () => path.join(kdir, 'include/linux/warm.h');

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-header-cache-'));
    kdir = path.join(root, 'kdir');
    cacheDir = path.join(root, 'cache');
    const files: Record<string, string> = {
      'include/linux/warm.h': '#define WARM_A 1\nextern int warm_fn(int x);\nstatic inline int warm_inline(void) { return 0; }\n',
      'include/trace/events/warm.h': '#define TRACE_WARM 1\n',
      'arch/x86/include/asm/arch.h': 'extern int arch_fn(void);\n',
    };
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(kdir, name)), { recursive: true });
      fs.writeFileSync(path.join(kdir, name), text);
      // Whole seconds: a time stamp put back is then exactly the one taken.
      fs.utimesSync(path.join(kdir, name), STAMP, STAMP);
    }
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const entries = () =>
    fs.readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name !== 'usage.json');
  const declarations = async () => HeaderSymbols.fromParts(await symbolsTable({ kdir, config, cacheDir }));
  const names = async () => NameTable.fromParts(await namesTable({ kdir, cacheDir }));

  /** Rewrites the header with text of the same length and puts its time stamp back: the stamp no cache key can tell from the old. */
  const rewriteInPlace = (from: string, to: string) => {
    const text = fs.readFileSync(header(), 'utf8');
    assert.equal(from.length, to.length);
    fs.writeFileSync(header(), text.replace(from, to));
    fs.utimesSync(header(), STAMP, STAMP);
  };

  it('stores the declarations once and reads them back while the headers are as they were', async () => {
    const scanned = await declarations();
    assert.ok(scanned.mustLink('warm_fn') && scanned.mustLink('arch_fn'));
    assert.deepEqual(scanned.kindsOf('warm_inline'), [{ kind: 'inline', certain: true }]);
    assert.equal(entries().length, 1);

    rewriteInPlace('warm_fn', 'cold_fn');
    const cached = await declarations();
    assert.ok(cached.mustLink('warm_fn'), 'the same sizes and time stamps: the table comes from the cache');
    assert.equal(cached.mustLink('cold_fn'), undefined);
    assert.deepEqual(cached.mustLink('warm_fn'), scanned.mustLink('warm_fn'));

    fs.utimesSync(header(), STAMP + 1, STAMP + 1);
    const rescanned = await declarations();
    assert.ok(rescanned.mustLink('cold_fn'), 'a newer time stamp: scanned again');
    assert.equal(rescanned.mustLink('warm_fn'), undefined);
    assert.equal(entries().length, 2, 'the new table is stored beside the old (pruning removes the oldest)');
  });

  it('keys the declarations by the configuration, and the names by the headers alone', async () => {
    await declarations();
    const other = await symbolsTable({ kdir, config: new Map([['CONFIG_WARM', 'n']]), cacheDir });
    assert.ok(HeaderSymbols.fromParts(other).mustLink('warm_fn'));
    assert.equal(entries().length, 2);
    const files = await headerSymbolFiles(kdir);
    assert.notEqual(headerTableKey('symbols', kdir, files, 'w.js', config), headerTableKey('symbols', kdir, files, 'w.js', new Map()));
    assert.notEqual(headerTableKey('symbols', kdir, files, 'w.js', config), headerTableKey('names', kdir, files, 'w.js', config));
    // Trace event headers count for the names, not for the declarations.
    assert.equal(files.length, 2);
    assert.equal((await headerNameFiles(kdir)).length, 3);
  });

  it('stores the names (trace event headers too) and reads them back', async () => {
    const scanned = await names();
    assert.equal(scanned.get('WARM_A')?.line, 0);
    assert.ok(scanned.get('TRACE_WARM'));
    assert.equal(scanned.get('warm_fn')?.line, 1);
    rewriteInPlace('WARM_A', 'COLD_A');
    const cached = await names();
    assert.deepEqual(cached.get('WARM_A'), scanned.get('WARM_A'));
    assert.equal(cached.get('COLD_A'), undefined);
  });

  it('drops an entry cut short, altered, or of another shape, and scans again', async () => {
    await declarations();
    const [entry] = entries();
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const whole = fs.readFileSync(file);

    fs.writeFileSync(file, whole.subarray(0, whole.length >> 1));
    rewriteInPlace('warm_fn', 'cold_fn');
    assert.ok((await declarations()).mustLink('cold_fn'), 'a cut entry is not read: the headers are scanned');

    const altered = Buffer.from(fs.readFileSync(file));
    altered[altered.length - 10] ^= 0xff;
    fs.writeFileSync(file, altered);
    rewriteInPlace('cold_fn', 'hot__fn');
    assert.ok((await declarations()).mustLink('hot__fn'), 'an altered entry fails its checksum');

    // Sealed properly but not a table (a lookup of a full slot table would never end): refused.
    const key = headerTableKey('symbols', kdir, await headerSymbolFiles(kdir), path.join(__dirname, 'header-worker.js'), config);
    const cache = new HeaderTableCache(cacheDir);
    const index = { names: 'ab', starts: Int32Array.from([0, 1, 2]), slots: Int32Array.from([0, 1]) };
    assert.ok(cache.put(key, { index, kinds: new Uint8Array(2), externAt: new Float64Array(2), files: [] }) > 0);
    rewriteInPlace('hot__fn', 'warm_fn');
    assert.ok((await declarations()).mustLink('warm_fn'), 'a table that does not hold together is scanned again');
    assert.equal(entries().length, 1);
  });

  it('reads the declarations through the scanning worker, and without a cache directory stores nothing', async () => {
    const viaWorker = await kernelHeaderSymbols(kdir, config, cacheDir);
    assert.ok(viaWorker.mustLink('warm_fn'));
    assert.equal(entries().length, 1);
    fs.rmSync(cacheDir, { recursive: true });
    await symbolsTable({ kdir, config });
    assert.equal(fs.existsSync(cacheDir), false);
  });
});
