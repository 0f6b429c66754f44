import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileReadError, readRegularFile, readRegularFileSync, readTextFile, readTextFileSync, tryReadTextFileSync } from './safe-read';

/** Runs `read` and says how it failed, within `limitMs` (a blocking open or an endless read fails the test by timing out). */
async function failure(read: () => unknown, limitMs = 2000): Promise<string> {
  const started = Date.now();
  try {
    await read();
  } catch (error) {
    assert.ok(Date.now() - started < limitMs, `took ${Date.now() - started} ms`);
    assert.ok(error instanceof FileReadError, String(error));
    return `${error.reason}: ${error.message}`;
  }
  assert.fail('read should have failed');
}

describe('bounded reads of regular files only', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-safe-read-'));
    fs.writeFileSync(path.join(dir, 'a.c'), 'int a;\n');
    fs.symlinkSync('/dev/zero', path.join(dir, 'Kbuild'));
    fs.symlinkSync(path.join(dir, 'a.c'), path.join(dir, 'link.c'));
    execFileSync('mkfifo', [path.join(dir, 'Makefile')]);
    fs.writeFileSync(path.join(dir, 'big.h'), Buffer.alloc(3000, 'x'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads regular files, through symbolic links too, sync and async', async () => {
    assert.equal(readTextFileSync(path.join(dir, 'a.c')), 'int a;\n');
    assert.equal(readTextFileSync(path.join(dir, 'link.c')), 'int a;\n');
    assert.equal(await readTextFile(path.join(dir, 'a.c')), 'int a;\n');
    assert.equal((await readRegularFile(path.join(dir, 'big.h'))).length, 3000);
  });

  it('reads files whose size says 0 (/proc) to their end, and not past the bound', async () => {
    assert.match(readTextFileSync('/proc/self/status'), /^Name:/);
    // Tens of KB that say 0: read across several chunks, sync and async.
    for (const maps of [readTextFileSync('/proc/self/maps'), await readTextFile('/proc/self/maps')]) {
      assert.ok(maps.length > 8192, `${maps.length} bytes`);
      assert.match(maps, /^[0-9a-f]+-[0-9a-f]+ [^]*\n$/);
    }
    assert.match(await failure(() => readTextFileSync('/proc/self/maps', 100)), /^too-large: /);
    assert.match(await failure(() => readRegularFile('/proc/self/maps', 100)), /^too-large: /);
  });

  it('gives every read its own bytes, whatever the sizes read before and after', async () => {
    const sizes = [0, 1, 4095, 4096, 4097, 70_000, 1024 * 1024 - 1, 1024 * 1024, 3 * 1024 * 1024 + 7, 10];
    const files = sizes.map((size, i) => {
      const file = path.join(dir, `sized-${i}.h`);
      fs.writeFileSync(file, Buffer.alloc(size, String.fromCharCode(97 + i)));
      return file;
    });
    const buffers = files.map((file) => readRegularFileSync(file));
    const texts = files.map((file) => readTextFileSync(file));
    for (const [i, size] of sizes.entries()) {
      const expected = String.fromCharCode(97 + i).repeat(size);
      assert.equal(buffers[i].toString('latin1'), expected, `buffer of ${size} bytes, read before the others`);
      assert.equal(texts[i], expected, `text of ${size} bytes`);
      assert.equal((await readRegularFile(files[i])).toString('latin1'), expected, `async read of ${size} bytes`);
    }
    assert.equal(readTextFileSync(files[8], sizes[8]).length, sizes[8], 'a file exactly at the bound');
    assert.match(await failure(() => readTextFileSync(files[8], sizes[8] - 1)), /^too-large: /);
  });

  it('refuses a link to /dev/zero and a FIFO at once, without blocking or reading forever', async () => {
    for (const read of [readTextFileSync, readTextFile]) {
      assert.match(await failure(() => read(path.join(dir, 'Kbuild'))), /^not-regular: .*Kbuild is a character device, not a regular file/);
      assert.match(await failure(() => read(path.join(dir, 'Makefile'))), /^not-regular: .*Makefile is a FIFO/);
      assert.match(await failure(() => read(dir)), /is a directory/);
    }
  });

  it('refuses more than the bound, and says why a file is missing', async () => {
    assert.match(await failure(() => readTextFileSync(path.join(dir, 'big.h'), 2999)), /^too-large: /);
    assert.match(await failure(() => readRegularFile(path.join(dir, 'big.h'), 1000)), /^too-large: /);
    assert.match(await failure(() => readTextFileSync(path.join(dir, 'none.c'))), /^io: cannot read .*none\.c: no such file$/);
    assert.equal(tryReadTextFileSync(path.join(dir, 'Makefile')), undefined);
  });
});
