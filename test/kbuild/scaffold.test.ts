// "New Kernel Module…" and the C snippets against real kbuild and Debian's kernel headers: the
// generated module has to build with zero warnings, both through its own Makefile ("make" in the
// module directory) and the way the Build Module task runs kbuild (make -C KDIR M=dir modules).

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { moduleFiles } from '../../client/src/scaffold-templates';
import { loadSnippets, snippetModule } from '../support/snippets';
import { buildWith, testKernel } from '../support/kernels';

const MODULE = 'kmod_scaffold_check';
const WARNING_LINE = /WARNING|warning:/;

function writeFiles(files: { path: string; text: string }[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-kbuild-scaffold-'));
  for (const file of files) fs.writeFileSync(path.join(dir, file.path), file.text);
  return dir;
}

/** `make <args>` with C messages; never throws, the exit code and output are the result. */
function make(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('make', args, { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

function assertCleanBuild(build: { code: number; output: string }, kos: string[]): void {
  assert.equal(build.code, 0, `kbuild failed:\n${build.output}`);
  for (const ko of kos) assert.ok(fs.existsSync(ko), `${ko} was not built:\n${build.output}`);
  const warnings = build.output.split('\n').filter((line) => WARNING_LINE.test(line));
  assert.deepEqual(warnings, [], `kbuild warned:\n${build.output}`);
}

describe('New Kernel Module scaffold and snippets build with real kbuild, without warnings', function () {
  this.timeout(120_000);
  const kernel = testKernel('6.1');
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it(`the scaffold's own Makefile: make KDIR=<headers> builds ${MODULE}.ko, make clean removes it`, async () => {
    const dir = writeFiles(moduleFiles(MODULE));
    dirs.push(dir);
    const ko = path.join(dir, `${MODULE}.ko`);
    assertCleanBuild(await make(['-C', dir, `KDIR=${kernel.kdir}`]), [ko]);
    const clean = await make(['-C', dir, `KDIR=${kernel.kdir}`, 'clean']);
    assert.equal(clean.code, 0, clean.output);
    assert.ok(!fs.existsSync(ko), `make clean left ${ko}`);
  });

  it('the scaffold as the Build Module task runs it: make -C <headers> M=<dir> modules', async () => {
    const dir = writeFiles(moduleFiles(MODULE));
    dirs.push(dir);
    assertCleanBuild(await buildWith(kernel, dir), [path.join(dir, `${MODULE}.ko`)]);
  });

  it('every snippet of snippets/kernel-c.json with its defaults, each as its own module', async () => {
    const snippets = Object.values(loadSnippets());
    assert.ok(snippets.length >= 6, `only ${snippets.length} snippets`);
    const bases = snippets.map((snippet) => `snip_${snippet.prefix}`);
    const dir = writeFiles([
      ...snippets.map((snippet, i) => ({ path: `${bases[i]}.c`, text: snippetModule(bases[i], snippet) })),
      { path: 'Makefile', text: `obj-m += ${bases.map((base) => `${base}.o`).join(' ')}\n` },
    ]);
    dirs.push(dir);
    assertCleanBuild(
      await buildWith(kernel, dir),
      bases.map((base) => path.join(dir, `${base}.ko`)),
    );
  });
});
