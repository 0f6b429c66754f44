import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCopiesRoot, mirrorSources, releaseDirName } from './build-copy';

describe('per-kernel build copies', () => {
  const temp: string[] = [];
  after(() => temp.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('mirrors sources, keeps the copy objects, skips build outputs and hidden dirs, removes what is gone', () => {
    const source = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-copy-src-'));
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-copy-dst-'));
    temp.push(source, target);
    const write = (dir: string, name: string, text = name) => {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    };
    for (const name of ['Makefile', 'a.c', 'sub/b.c', 'inc/a.h', 'a.o', 'm.ko', '.a.o.cmd', 'modules.order', '.git/HEAD'])
      write(source, name);
    assert.equal(mirrorSources(source, target), 4);
    const listed = (dir: string): string[] =>
      (fs.readdirSync(dir, { recursive: true }) as string[]).filter((name) => fs.statSync(path.join(dir, name)).isFile()).sort();
    assert.deepEqual(listed(target), ['Makefile', 'a.c', 'inc/a.h', 'sub/b.c']);
    // The copy's own build outputs stay; unchanged sources are not copied again; a deleted one goes.
    write(target, 'a.o', 'object');
    fs.rmSync(path.join(source, 'sub/b.c'));
    assert.equal(mirrorSources(source, target), 0);
    assert.deepEqual(listed(target), ['Makefile', 'a.c', 'a.o', 'inc/a.h']);
    write(source, 'a.c', 'changed');
    assert.equal(mirrorSources(source, target), 1);
    assert.equal(fs.readFileSync(path.join(target, 'a.c'), 'utf8'), 'changed');
  });

  it('names copies by module and release with nothing make would expand', () => {
    assert.equal(releaseDirName('6.12.118+deb12-amd64'), '6.12.118+deb12-amd64');
    assert.equal(releaseDirName('6.1 $(x)'), '6.1___x_');
    assert.match(path.basename(buildCopiesRoot('/home/u/my $mod')), /^my__mod-[0-9a-f]{12}$/);
  });
});
