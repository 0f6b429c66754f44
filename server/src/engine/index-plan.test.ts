import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { writeModule } from '../../../test/support/modules';
import { pathToFileURL } from 'node:url';
import { includedInWorker, planIndex, planIndexInWorker } from './index-plan';

describe('index plan', () => {
  const root = writeModule({
    'a/Makefile': 'obj-m += a.o\na-y := one.o two.o\n',
    'a/one.c': 'int one;\n',
    'a/two.c': 'int two;\n',
    'b/b.c': 'int b;\n',
    'skip/s.c': 'int s;\n',
    'z/z.c': 'int z;\n',
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('groups the C files into modules, leaves out excluded folders and cuts at the file limit', () => {
    const plan = planIndex({ folders: [root], excludedDirs: ['skip'], maxFiles: 3 });
    assert.equal(plan.found, 4);
    assert.deepEqual(
      plan.files.map((file) => file.slice(root.length + 1)),
      ['a/one.c', 'a/two.c', 'b/b.c'],
    );
    assert.deepEqual(
      plan.modules.map((module) => [module.name, module.sources.length]),
      [
        ['a', 2],
        ['b', 1],
      ],
    );
    assert.deepEqual(plan.errors, []);
  });

  it('plans in a worker thread what it would plan here, and here when the worker cannot start', async () => {
    const request = { folders: [root, `${root}/missing`], excludedDirs: ['skip'], maxFiles: 10 };
    const here = planIndex(request);
    assert.equal(here.errors.length, 1, 'the missing folder is reported');
    assert.deepEqual(await planIndexInWorker(request), here);
    assert.deepEqual(await planIndexInWorker(request, `${root}/no-such-worker.js`), here);
  });

  it('finds the .c files unlisted files include in a worker thread, and here when the worker cannot start', async () => {
    const dir = writeModule({ 'main.c': '#include "part.c"\n#include "gone.c"\n', 'part.c': 'int part;\n', 'other.c': 'int other;\n' });
    try {
      const files = ['main.c', 'part.c', 'other.c'].map((name) => `${dir}/${name}`);
      const part = new Set([pathToFileURL(`${dir}/part.c`).href]);
      assert.deepEqual(await includedInWorker(files), part);
      assert.deepEqual(await includedInWorker(files, `${dir}/no-such-worker.js`), part);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
