import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copySources, removeTempCopies } from '../../test/support/build-logs';
import { entryPointLines, isModuleDir, moduleDirOf, modulesOf } from './module-dirs';

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

  it('finds the lines that register entry points (code lenses), not mentions in comments or #defines', () => {
    const source = [
      '/* module_init(not_this) in a comment */',
      ' * module_exit(nor_this)',
      '#define module_init(x) other(x)',
      '// module_init(commented_out);',
      'module_init(hello_init);',
      '\tmodule_exit (hello_exit);',
      'module_platform_driver(my_driver);',
      'my_module_init(x);',
      'module_param(count, int, 0444);',
    ].join('\r\n');
    assert.deepEqual(entryPointLines(source), [
      { line: 4, macro: 'module_init' },
      { line: 5, macro: 'module_exit' },
      { line: 6, macro: 'module_platform_driver' },
    ]);
  });
});
