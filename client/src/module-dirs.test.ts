import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copySources, removeTempCopies } from '../../test/support/build-logs';
import { isModuleDir, moduleDirOf, modulesOf } from './module-dirs';

describe('module directories', () => {
  after(removeTempCopies);

  it('recognises directories whose Kbuild/Makefile declares obj-m', () => {
    assert.equal(isModuleDir(copySources('hello-3')), true);
    assert.equal(isModuleDir(copySources('no-obj-m')), false);
    assert.equal(isModuleDir(copySources('empty')), false);
  });

  it('finds the module directory of a file in a subdirectory', () => {
    const dir = copySources('multi-object');
    fs.mkdirSync(path.join(dir, 'include'));
    fs.writeFileSync(path.join(dir, 'include/helper.h'), '');
    assert.equal(moduleDirOf(path.join(dir, 'include/helper.h'), path.dirname(dir)), dir);
    assert.equal(moduleDirOf(path.join(dir, 'multi-main.c'), dir), dir);
    const outside = copySources('empty');
    assert.equal(moduleDirOf(path.join(outside, 'x.c'), outside), undefined);
  });

  it('lists modules with their .ko path and whether it is built', () => {
    const dir = copySources('secmm');
    fs.writeFileSync(path.join(dir, 'secmm2.ko'), '');
    assert.deepEqual(
      modulesOf(dir).map((m) => [m.name, path.relative(dir, m.ko), m.built, m.sources.map((s) => path.basename(s))]),
      [
        ['secmm', 'secmm.ko', false, ['secmm.c']],
        ['secmm2', 'secmm2.ko', true, ['secmm2.c']],
      ],
    );
  });
});
