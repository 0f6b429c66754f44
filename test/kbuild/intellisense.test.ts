// IntelliSense against real kbuild and real clangd: the compile database from a dry run of an unbuilt
// module must hold exactly the arguments the real build's .cmd files record (6.1: cmd_, 6.12:
// savedcmd_), for a one-file and a two-file module with a subdirectory, ccflags-y -I and make
// escapes; Debian's clangd, reading the clang flavour over LSP, must then compile the examples
// cleanly, report a real error, complete kernel APIs and jump into the headers.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  commandsFromBuild,
  dryRunCommands,
  formatDatabase,
  kernelSourceTree,
  moduleCompileCommands,
  withFlavour,
  type CompileCommand,
} from '../../shared/src/compile-db';
import { ClangdSession, completedName, requireClangd } from '../support/clangd';
import { buildWith, copyForBuild, testKernel, type KernelSeries } from '../support/kernels';
import { REPO_ROOT } from '../support/paths';

const EXAMPLES = path.join(REPO_ROOT, 'examples');

/** A module of two objects, one in a subdirectory, with ccflags-y and a per-file CFLAGS that needs make's escapes in the .cmd. */
function writeTwoFileModule(dir: string): void {
  fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'include'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'Kbuild'),
    [
      'obj-m := twofile.o',
      'twofile-y := tf_main.o lib/tf_helper.o',
      'ccflags-y := -DTWOFILE_EXTRA=1 -I$(src)/include',
      `CFLAGS_tf_main.o := -DHASH_CHAR='"\\#"' -DDOLLAR='"$$x"'`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'include', 'tf_helper.h'), 'int tf_compute(int x);\n');
  fs.writeFileSync(
    path.join(dir, 'tf_main.c'),
    [
      '#include <linux/module.h>',
      '#include "tf_helper.h"',
      'static int __init tf_init(void) { pr_info("tf %d %s %s\\n", tf_compute(20), HASH_CHAR, DOLLAR); return 0; }',
      'static void __exit tf_exit(void) { }',
      'module_init(tf_init);',
      'module_exit(tf_exit);',
      'MODULE_LICENSE("GPL");',
      'MODULE_DESCRIPTION("two files");',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'lib', 'tf_helper.c'),
    '#include <linux/kernel.h>\n#include "tf_helper.h"\nint tf_compute(int x) { return 2 * x + TWOFILE_EXTRA; }\n',
  );
}

/** Every file below `dir` with its size and mtime: what "writes nothing" is checked against. */
function snapshot(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((name) => {
      const stat = fs.statSync(path.join(dir, name));
      return `${name} ${stat.size} ${stat.mtimeMs}`;
    });
}

const argsOf = (commands: CompileCommand[], file: string) => commands.find((c) => c.file.endsWith(file))?.arguments ?? [];

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('IntelliSense: compile database from real kbuild, real clangd', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })));

  for (const series of ['6.1', '6.12'] as KernelSeries[]) {
    it(`${series}: the dry run of an unbuilt module writes nothing and gives the arguments its build's .cmd files record`, async () => {
      const kernel = testKernel(series);
      const hello = copyForBuild(kernel, path.join(EXAMPLES, 'hello-3'));
      const twoFile = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-kbuild-twofile-'));
      dirs.push(hello, twoFile);
      writeTwoFileModule(twoFile);
      for (const dir of [hello, twoFile]) {
        const before = snapshot(dir);
        const started = Date.now();
        const dryRun = await dryRunCommands(kernel.kdir, dir);
        const dryRunMs = Date.now() - started;
        assert.deepEqual(snapshot(dir), before, `the dry run changed ${dir}`);
        const build = await buildWith(kernel, dir);
        assert.equal(build.code, 0, build.output);
        const built = commandsFromBuild(kernel.kdir, dir);
        assert.deepEqual(built.missing, []);
        assert.deepEqual(built.commands, dryRun, `${dir}: .cmd files and the dry run disagree`);
        assert.ok(
          dryRun.every((c) => c.directory === kernel.kdir),
          'up to 6.12 the compiler runs in the build dir: relative -I paths start there',
        );
        // After a build the dry run must not relink anything (KBUILD_MODPOST_NOFINAL).
        const afterBuild = snapshot(dir);
        assert.deepEqual(await dryRunCommands(kernel.kdir, dir), dryRun);
        assert.deepEqual(snapshot(dir), afterBuild, `the dry run in a built ${dir} changed it`);
        console.log(`      ${series} ${path.basename(dir)}: ${dryRun.length} file(s), dry run ${dryRunMs} ms`);
      }
      const commands = commandsFromBuild(kernel.kdir, twoFile).commands;
      assert.deepEqual(
        commands.map((c) => path.relative(twoFile, c.file)),
        ['lib/tf_helper.c', 'tf_main.c'],
      );
      for (const file of ['tf_main.c', 'lib/tf_helper.c']) {
        const args = argsOf(commands, file);
        for (const expected of ['-DTWOFILE_EXTRA=1', `-I${twoFile}/include`, '-DKBUILD_MODNAME="twofile"', '-DMODULE'])
          assert.ok(args.includes(expected), `${file}: ${expected} missing`);
      }
      const main = argsOf(commands, 'tf_main.c');
      assert.ok(main.includes('-DHASH_CHAR="#"') && main.includes('-DDOLLAR="$x"'), `make escapes not undone: ${main.join(' ')}`);
    });
  }

  it("a module built against 6.1 and asked for 6.12 gets 6.12's flags, not the 6.1 .cmd files", async () => {
    const [old, current] = [testKernel('6.1'), testKernel('6.12')];
    const dir = copyForBuild(old, path.join(EXAMPLES, 'hello-3'));
    dirs.push(dir);
    assert.equal((await buildWith(old, dir)).code, 0);
    assert.deepEqual(commandsFromBuild(current.kdir, dir).commands, []);
    const forCurrent = await moduleCompileCommands(current.kdir, dir);
    assert.equal(forCurrent.origin, 'dry-run');
    assert.deepEqual(forCurrent.commands, await dryRunCommands(current.kdir, dir));
    assert.equal((await moduleCompileCommands(old.kdir, dir)).origin, 'build');
  });

  describe('clangd over LSP on the clang flavour, before any build (6.1 headers)', () => {
    const kernel = testKernel('6.1');
    let clangd: ClangdSession;
    let dir: string;
    let uri: string;
    let text: string;

    before(async () => {
      const binary = requireClangd();
      dir = copyForBuild(kernel, path.join(EXAMPLES, 'hello-3-fixed'));
      const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-clangd-db-'));
      dirs.push(dir, databaseDir);
      const opened = Date.now();
      const { commands, origin } = await moduleCompileCommands(kernel.kdir, dir);
      assert.equal(origin, 'dry-run');
      fs.writeFileSync(path.join(databaseDir, 'compile_commands.json'), formatDatabase(withFlavour(commands, 'clang')));
      const databaseMs = Date.now() - opened;
      clangd = new ClangdSession(binary, databaseDir);
      await clangd.initialize();
      const file = path.join(dir, 'hello-3.c');
      text = fs.readFileSync(file, 'utf8');
      uri = await clangd.open(file);
      const first = await clangd.session.diagnostics(uri, () => true, 60_000);
      const diagnosticsMs = Date.now() - clangd.startedAt;
      assert.deepEqual(
        first.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`),
        [],
        'clangd reports diagnostics on the fixed example',
      );
      console.log(
        `      ${path.basename(binary)} on hello-3-fixed: database (dry run) ${databaseMs} ms, clangd start to first diagnostics ` +
          `${diagnosticsMs} ms, opening to diagnostics ${Date.now() - opened} ms`,
      );
    });
    after(async () => {
      await clangd?.close();
    });

    it('completion after pr_in offers pr_info', async () => {
      const lines = text.split('\n');
      const at = lines.findIndex((line) => line.includes('return 0;'));
      lines.splice(at, 0, '\tpr_in');
      await clangd.change(uri, lines.join('\n'), 2);
      let names: string[] = [];
      // clangd 19+ serves macros from its dynamic index, which is built a moment after the first diagnostics.
      for (let attempt = 0; attempt < 40 && !names.includes('pr_info'); attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
        names = (await clangd.completion(uri, at, '\tpr_in'.length)).map(completedName);
      }
      assert.ok(names.includes('pr_info'), `no pr_info among ${names.slice(0, 20).join(', ')}`);
      console.log(`      clangd peak memory ${clangd.peakMemoryMb().toFixed(0)} MB`);
      await clangd.change(uri, text, 3);
    });

    it('go to definition of printk lands in the headers', async () => {
      const line = text.split('\n').findIndex((l) => /^\s*printk\(/.test(l));
      const targets = await clangd.definition(uri, line, text.split('\n')[line].indexOf('printk') + 2);
      const files = targets.map((t) => fileURLToPath(t.uri));
      assert.ok(
        files.some((file) => file === path.join(kernelSourceTree(kernel.kdir), 'include/linux/printk.h')),
        `printk went to ${files.join(', ') || 'nowhere'}`,
      );
    });

    it('an undeclared identifier is an error, before any build', async () => {
      const broken = text.replace('return 0;', 'return undeclared_counter;');
      await clangd.change(uri, broken, 4);
      const published = await clangd.session.diagnostics(uri, (p) => p.version === 4 || p.diagnostics.length > 0, 30_000);
      const errors = published.diagnostics.filter((d) => d.severity === 1);
      assert.equal(errors.length, 1, JSON.stringify(published.diagnostics));
      assert.match(errors[0].message, /undeclared identifier 'undeclared_counter'/);
      assert.equal(
        errors[0].range.start.line,
        broken.split('\n').findIndex((l) => l.includes('undeclared_counter')),
      );
      await clangd.change(uri, text, 5);
    });
  });

  it('kmodcheck compile-commands on an unbuilt copy: clangd --check finds no error, and one for an undeclared identifier', async () => {
    const binary = requireClangd();
    const kernel = testKernel('6.1');
    const dir = copyForBuild(kernel, path.join(EXAMPLES, 'hello-3'));
    const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-clangd-db-'));
    dirs.push(dir, databaseDir);
    const printed = await run(path.join(REPO_ROOT, 'bin', 'kmodcheck'), ['compile-commands', '--kdir', kernel.kdir, dir]);
    assert.equal(printed.code, 0, printed.stderr);
    const database = JSON.parse(printed.stdout) as CompileCommand[];
    assert.deepEqual(
      database.map((c) => [c.directory, c.file]),
      [[kernel.kdir, path.join(dir, 'hello-3.c')]],
    );
    fs.writeFileSync(path.join(databaseDir, 'compile_commands.json'), printed.stdout);
    const source = path.join(dir, 'hello-3.c');
    const check = () => run(binary, [`--check=${source}`, `--compile-commands-dir=${databaseDir}`]);
    const clean = await check();
    assert.match(
      clean.stderr,
      /All checks completed, 0 errors/,
      clean.stderr
        .split('\n')
        .filter((l) => /^E\[/.test(l))
        .join('\n'),
    );
    assert.equal(clean.code, 0);
    fs.writeFileSync(source, fs.readFileSync(source, 'utf8').replace('return 0;', 'return undeclared_counter;'));
    const broken = await check();
    assert.match(broken.stderr, /\[undeclared_var_use\] Line \d+: use of undeclared identifier 'undeclared_counter'/);
    assert.match(broken.stderr, /All checks completed, 1 errors/);
    assert.notEqual(broken.code, 0);
  });
});
