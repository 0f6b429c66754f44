import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRelease } from '../../../shared/src/kernel-dir';
import { testKernel } from '../../../test/support/kernels';
import { REPO_ROOT, scratchCopy } from '../../../test/support/vm';
import { buildModule, unusableKoFile, cleanModule } from './module-build';

describe('a module built for other headers [system]', function () {
  this.timeout(120_000);

  it('is found, and cleaning makes the next build compile for the right kernel', async () => {
    const dir = scratchCopy(path.join(REPO_ROOT, 'examples', 'hello-3'), 'other-headers');
    try {
      const newer = testKernel('6.12').kdir;
      const older = testKernel('6.1').kdir;
      assert.equal((await buildModule(newer, dir)).exitCode, 0);
      const stale = unusableKoFile(dir, readRelease(older)!);
      assert.equal(stale?.why, `was built for ${readRelease(newer)}`);
      await cleanModule(older, dir);
      assert.equal(unusableKoFile(dir, readRelease(older)!), undefined);
      assert.ok(!fs.existsSync(path.join(dir, 'hello-3.o')), 'the objects compiled against 6.12 are gone');
      assert.equal((await buildModule(older, dir)).exitCode, 0);
      assert.equal(unusableKoFile(dir, readRelease(older)!), undefined);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
