import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findClangd, parseClangdMode, planIntelliSense, withCompileCommandsDir, type ClangdBinary } from './clangd';

describe('clangd', () => {
  describe('findClangd', () => {
    let root: string;
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-clangd-'));
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const executable = (dir: string, name: string, mode = 0o755) => {
      fs.mkdirSync(path.join(root, dir), { recursive: true });
      fs.writeFileSync(path.join(root, dir, name), '#!/bin/sh\n', { mode });
    };

    it('prefers the newest clangd-NN anywhere on PATH over a plain clangd; skips non-executables', () => {
      executable('a', 'clangd');
      executable('a', 'clangd-16');
      executable('b', 'clangd-19');
      executable('b', 'clangd-22', 0o644);
      executable('b', 'clangd-tidy');
      const searchPath = [path.join(root, 'a'), path.join(root, 'missing'), path.join(root, 'b')].join(':');
      assert.deepEqual(findClangd(searchPath), { path: path.join(root, 'b', 'clangd-19'), major: 19 });
    });

    it('a plain clangd when it is the only one; nothing when there is none', () => {
      executable('a', 'clangd');
      assert.deepEqual(findClangd(path.join(root, 'a')), { path: path.join(root, 'a', 'clangd') });
      assert.equal(findClangd(path.join(root, 'none')), undefined);
    });
  });

  it('kmod.clangd.mode: auto (also empty), off, or a path', () => {
    assert.deepEqual(parseClangdMode(''), { kind: 'auto' });
    assert.deepEqual(parseClangdMode('auto'), { kind: 'auto' });
    assert.deepEqual(parseClangdMode(' off '), { kind: 'off' });
    assert.deepEqual(parseClangdMode('/usr/bin/clangd-19'), { kind: 'path', path: '/usr/bin/clangd-19' });
  });

  it('clangd.arguments: ours replaces an earlier --compile-commands-dir, the rest stays', () => {
    assert.deepEqual(withCompileCommandsDir(['--log=verbose', '--compile-commands-dir=/old'], '/new'), [
      '--log=verbose',
      '--compile-commands-dir=/new',
    ]);
  });

  describe('planIntelliSense', () => {
    const found: ClangdBinary = { path: '/usr/bin/clangd' };
    const plan = (over: Partial<Parameters<typeof planIntelliSense>[0]>) =>
      planIntelliSense({
        mode: { kind: 'auto' },
        clangdExtension: false,
        cpptools: false,
        find: () => found,
        resolveExecutable: (file) => file,
        ...over,
      });

    it('nothing installed: start the clangd on PATH, or say there is none', () => {
      assert.deepEqual(plan({}), { clangdExtension: false, cpptools: false, ownClangd: '/usr/bin/clangd' });
      assert.deepEqual(plan({ find: () => undefined }), { clangdExtension: false, cpptools: false, problem: 'no-clangd' });
    });

    it('the clangd extension is configured and no second clangd starts, whatever the mode', () => {
      for (const mode of [{ kind: 'auto' }, { kind: 'off' }, { kind: 'path', path: '/x' }] as const)
        assert.deepEqual(plan({ mode, clangdExtension: true, cpptools: true }), { clangdExtension: true, cpptools: true });
    });

    it('cpptools serves in auto mode; an explicit path still starts clangd beside it', () => {
      assert.deepEqual(plan({ cpptools: true }), { clangdExtension: false, cpptools: true });
      assert.deepEqual(plan({ cpptools: true, mode: { kind: 'path', path: '/opt/clangd' } }), {
        clangdExtension: false,
        cpptools: true,
        ownClangd: '/opt/clangd',
      });
    });

    it('off, or a path that is not an executable, is a problem the status shows', () => {
      assert.equal(plan({ mode: { kind: 'off' } }).problem, 'off');
      assert.equal(plan({ mode: { kind: 'path', path: '/nope' }, resolveExecutable: () => undefined }).problem, 'bad-path');
    });
  });
});
