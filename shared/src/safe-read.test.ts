import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileReadError, readRegularFile, readTextFile, readTextFileSync, tryReadTextFileSync } from './safe-read';

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

  it('reads files whose size says 0 (/proc) to their end', () => {
    assert.match(readTextFileSync('/proc/self/status'), /^Name:/);
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
