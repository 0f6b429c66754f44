import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkMakePath,
  clangArguments,
  commandsFromBuild,
  commandsFromDryRun,
  dryRunArgv,
  findCompileInvocation,
  isFromKernel,
  kernelSourceTree,
  parseCmdFile,
  shellTokens,
  simpleCommands,
  unescapeMake,
  withUnlistedSources,
  type CompileCommand,
} from './compile-db';

const COMMON = '/usr/src/linux-headers-6.1.0-57-common';
const KDIR = '/usr/src/linux-headers-6.1.0-57-amd64';

/** The head and tail of a real 6.1 `.tf_main.o.cmd` first line (a CFLAGS_tf_main.o with `\#` and `$$x`), middle shortened. */
const CMD_6_1 =
  `cmd_/m/tf_main.o :=  gcc-12 -Wp,-MMD,/m/.tf_main.o.d -nostdinc -I${COMMON}/arch/x86/include -I./arch/x86/include/generated ` +
  `-I./include -include ${COMMON}/include/linux/compiler-version.h -include ${COMMON}/include/linux/kconfig.h -D__KERNEL__ ` +
  `-mpreferred-stack-boundary=3 -mindirect-branch=thunk-extern -mindirect-branch-register -O2 -fno-allow-store-data-races ` +
  `-ftrivial-auto-var-init=zero -pg -mrecord-mcount -fconserve-stack -g -DTWOFILE_EXTRA=1 -I/m/include ` +
  `-DHASH_CHAR='"$(pound)"' -DDOLLAR='"$$x"'  -DMODULE  -DKBUILD_BASENAME='"tf_main"' -DKBUILD_MODNAME='"twofile"' ` +
  `-D__KBUILD_MODNAME=kmod_twofile -c -o /m/tf_main.o /m/tf_main.c   ; ./tools/objtool/objtool --hacks=jump_label --orc   --module /m/tf_main.o\n` +
  `\nsource_/m/tf_main.o := /m/tf_main.c\n\ndeps_/m/tf_main.o := \\\n  ${COMMON}/include/linux/compiler-version.h \\\n`;

/** A 6.12 line: `savedcmd_`, the target triple's gcc. */
const CMD_6_12 =
  `savedcmd_/m/hello-3.o :=  x86_64-linux-gnu-gcc-12 -Wp,-MMD,/m/.hello-3.o.d -nostdinc -I./include ` +
  `-include /usr/src/linux-headers-6.12.118+deb12-common/include/linux/kconfig.h -g  -DMODULE  ` +
  `-DKBUILD_BASENAME='"hello_3"' -DKBUILD_MODNAME='"hello_3"' -D__KBUILD_MODNAME=kmod_hello_3 -c -o /m/hello-3.o /m/hello-3.c   ; ` +
  `./tools/objtool/objtool --hacks=jump_label --ibt --orc --prefix=16  --link  --module /m/hello-3.o\n`;

describe('compile database from kbuild', () => {
  describe("make's escapes in .cmd files", () => {
    it('$$ is $, $(pound) is #, anything else stays', () => {
      assert.equal(unescapeMake(`'"$(pound)"' '"$$x"' $$$$ $(other)`), `'"#"' '"$x"' $$ $(other)`);
    });
  });

  describe('shell words', () => {
    const words = (text: string) => shellTokens(text).map((t) => ('word' in t ? t.word : `<${t.operator}>`));

    it("single quotes, double quotes with their backslashes, backslashes outside, '' as an empty word", () => {
      assert.deepEqual(words(`-DA='"x y"' "a\\"b\\$c\\n" a\\ b '' x'y'"z"`), ['-DA="x y"', 'a"b$c\\n', 'a b', '', 'xyz']);
    });

    it('operators split commands; a comment runs to the end of the line; # inside a word stays', () => {
      assert.deepEqual(words('a;b && c|d #e f\ng a#b'), ['a', '<;>', 'b', '<&&>', 'c', '<|>', 'd', '<;>', 'g', 'a#b']);
    });

    it('simple commands leave out redirections and their targets', () => {
      assert.deepEqual(simpleCommands(`echo 'x' > .a.cmd; rm -f .a.d 2>/dev/null`), [
        ['echo', 'x'],
        ['rm', '-f', '.a.d', '2'],
      ]);
    });
  });

  describe('.cmd files', () => {
    it('6.1 (cmd_): the compiler argv, unescaped and unquoted, without the objtool tail', () => {
      const parsed = parseCmdFile(CMD_6_1);
      assert.equal(parsed?.target, '/m/tf_main.o');
      assert.equal(parsed?.saved, false);
      const args = parsed?.compile?.arguments ?? [];
      assert.equal(args[0], 'gcc-12');
      assert.deepEqual(args.slice(-4), ['-c', '-o', '/m/tf_main.o', '/m/tf_main.c']);
      for (const expected of [
        '-DHASH_CHAR="#"',
        '-DDOLLAR="$x"',
        '-DKBUILD_BASENAME="tf_main"',
        '-DKBUILD_MODNAME="twofile"',
        '-I/m/include',
      ])
        assert.ok(args.includes(expected), `${expected} missing from ${args.join(' ')}`);
      assert.ok(!args.some((arg) => arg.includes('objtool')));
      assert.deepEqual([parsed?.compile?.source, parsed?.compile?.object], ['/m/tf_main.c', '/m/tf_main.o']);
    });

    it('6.3+ (savedcmd_) reads the same way', () => {
      const parsed = parseCmdFile(CMD_6_12);
      assert.equal(parsed?.saved, true);
      assert.equal(parsed?.compile?.arguments[0], 'x86_64-linux-gnu-gcc-12');
      assert.equal(parsed?.compile?.source, '/m/hello-3.c');
    });

    it('a link (ld -r of a composite object) or anything else is no compile command', () => {
      assert.equal(parseCmdFile('cmd_/m/two.o := ld -m elf_x86_64 -r -o /m/two.o @/m/two.mod\n')?.compile, undefined);
      assert.equal(parseCmdFile('not a cmd file'), undefined);
    });
  });

  describe('dry-run recipes', () => {
    // What `make -n` prints: the compile, objtool, then fixdep with the whole command as one quoted word.
    const recipe =
      `set -e;  echo '  CC [M]  /m/a.o';  trap 'rm -f /m/a.o; trap - HUP; kill -s HUP $$' HUP;  gcc-12 -Wp,-MMD,/m/.a.o.d -nostdinc ` +
      `-include ./include/linux/kconfig.h -DKBUILD_BASENAME='"a"' -c -o /m/a.o /m/a.c   ; ./tools/objtool/objtool --module /m/a.o; ` +
      `scripts/basic/fixdep /m/.a.o.d /m/a.o ' gcc-12 -Wp,-MMD,/m/.a.o.d -DKBUILD_BASENAME='\\''"a"'\\'' -c -o /m/a.o /m/a.c' > /m/.a.o.cmd; rm -f /m/.a.o.d`;

    it('finds the compiler invocation, not the fixdep argument', () => {
      const found = findCompileInvocation(recipe);
      assert.deepEqual(found?.arguments, [
        'gcc-12',
        '-Wp,-MMD,/m/.a.o.d',
        '-nostdinc',
        '-include',
        './include/linux/kconfig.h',
        '-DKBUILD_BASENAME="a"',
        '-c',
        '-o',
        '/m/a.o',
        '/m/a.c',
      ]);
    });

    it("skips genksyms' preprocessor run (-E)", () => {
      assert.equal(
        findCompileInvocation(`if nm /m/a.o | grep -q __ksymtab; then gcc-12 -E -D__GENKSYMS__ -c /m/a.c | genksyms; fi`),
        undefined,
      );
    });

    it("keeps the module dir's sources only: not kbuild's <m>.mod.c, not files outside it", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-cdb-'));
      try {
        fs.writeFileSync(path.join(dir, 'a.c'), '');
        fs.writeFileSync(path.join(dir, 'a.mod.c'), '');
        const line = (src: string) => `gcc -c -o ${src.replace(/\.c$/, '.o')} ${src}`;
        const output = [
          line(path.join(dir, 'a.c')),
          line(path.join(dir, 'a.mod.c')),
          line('scripts/module-common.c'),
          'make[1]: Leaving',
        ].join('\n');
        const commands = commandsFromDryRun(output, KDIR, dir);
        assert.deepEqual(
          commands.map((c) => [c.directory, c.file, c.output]),
          [[KDIR, path.join(dir, 'a.c'), path.join(dir, 'a.o')]],
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('from 6.13 the compiler runs in the module dir, which make announces: that is the directory', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-cdb-'));
      try {
        fs.mkdirSync(path.join(dir, 'lib'));
        fs.writeFileSync(path.join(dir, 'lib', 'b.c'), '');
        const output = [
          `make: Entering directory '${KDIR}'`,
          `make[1]: Entering directory '${dir}'`,
          `set -e; echo '  CC [M]  lib/b.o'; gcc-14 -Wp,-MMD,lib/.b.o.d -I././include -c -o lib/b.o lib/b.c  ; objtool lib/b.o`,
          `make[1]: Leaving directory '${dir}'`,
          `make: Leaving directory '${KDIR}'`,
        ].join('\n');
        assert.deepEqual(
          commandsFromDryRun(output, KDIR, dir).map((c) => [c.directory, c.file, c.output]),
          [[dir, path.join(dir, 'lib/b.c'), path.join(dir, 'lib/b.o')]],
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('is one argument vector; paths with $ or whitespace are refused, not passed to make', () => {
      assert.deepEqual(dryRunArgv('/k', '/m'), ['-n', '-B', '-C', '/k', 'M=/m', 'KBUILD_MODPOST_NOFINAL=1', 'modules']);
      assert.throws(() => dryRunArgv('/k', '/m/$(shell touch x)'), /contains '\$'/);
      assert.throws(() => dryRunArgv('/k$$', '/m'), /contains '\$'/);
      assert.throws(() => checkMakePath('the module directory', '/my module'), /whitespace/);
    });
  });

  describe('the clang flavour', () => {
    it('drops exactly the flags clang rejects, keeps everything else in order', () => {
      const args = parseCmdFile(CMD_6_1)!.compile!.arguments;
      const clang = clangArguments(args);
      const dropped = args.filter((arg) => !clang.includes(arg));
      assert.deepEqual(dropped, [
        '-mpreferred-stack-boundary=3',
        '-mindirect-branch=thunk-extern',
        '-mindirect-branch-register',
        '-fno-allow-store-data-races',
        '-ftrivial-auto-var-init=zero',
        '-mrecord-mcount',
        '-fconserve-stack',
      ]);
      assert.deepEqual(
        clang,
        args.filter((arg) => !dropped.includes(arg)),
      );
      assert.deepEqual(clangArguments(['gcc', '-fplugin=./scripts/gcc-plugins/x.so', '-fplugin-arg-x-y=1', '-O2']), ['gcc', '-O2']);
    });
  });

  describe('a built module dir', () => {
    let root: string;
    let kdir: string;
    let common: string;
    let moduleDir: string;
    const kconfigArgs = (tree: string) => `-include ${tree}/include/linux/kconfig.h`;

    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-cdb-'));
      common = path.join(root, 'headers-common');
      kdir = path.join(root, 'headers-amd64');
      moduleDir = path.join(root, 'mod');
      fs.mkdirSync(path.join(common, 'include/linux'), { recursive: true });
      fs.writeFileSync(path.join(common, 'Makefile'), '# the tree\n');
      fs.writeFileSync(path.join(common, 'include/linux/kconfig.h'), '');
      fs.mkdirSync(kdir);
      fs.writeFileSync(path.join(kdir, 'Makefile'), `include ${common}/Makefile\n`);
      fs.mkdirSync(path.join(moduleDir, 'lib'), { recursive: true });
      fs.writeFileSync(path.join(moduleDir, 'Kbuild'), 'obj-m := two.o\ntwo-y := main.o lib/helper.o\n');
      for (const source of ['main.c', 'lib/helper.c', 'extra.c', 'two.mod.c']) fs.writeFileSync(path.join(moduleDir, source), '');
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(path.join(moduleDir, 'Kbuild'), old, old);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const writeCmd = (object: string, tree: string, saved = false) => {
      const obj = path.join(moduleDir, object);
      const source = obj.replace(/\.o$/, '.c');
      const file = path.join(path.dirname(obj), `.${path.basename(obj)}.cmd`);
      const stem = path.basename(obj, '.o');
      fs.writeFileSync(
        file,
        `${saved ? 'saved' : ''}cmd_${obj} := gcc-12 -Wp,-MMD,${path.dirname(obj)}/.${stem}.o.d ${kconfigArgs(tree)} -DKBUILD_BASENAME='"${stem}"' -c -o ${obj} ${source} ; ./tools/objtool/objtool ${obj}\n`,
      );
    };

    it("Debian's one-line Makefile names the source tree", () => {
      assert.equal(kernelSourceTree(kdir), common);
      assert.equal(kernelSourceTree(common), common);
    });

    it('reads every .cmd below the module dir (subdirectories too), none of kbuild’s own', () => {
      writeCmd('main.o', common);
      writeCmd('lib/helper.o', common, true);
      writeCmd('two.mod.o', common);
      const built = commandsFromBuild(kdir, moduleDir);
      assert.deepEqual(built.missing, []);
      assert.deepEqual(
        built.commands.map((c) => [path.relative(moduleDir, c.file), path.relative(moduleDir, c.output), c.directory]),
        [
          ['lib/helper.c', 'lib/helper.o', kdir],
          ['main.c', 'main.o', kdir],
        ],
      );
    });

    it('6.13+ .cmd files name the object relative to the module dir, where the compiler ran', () => {
      writeCmd('main.o', common);
      fs.writeFileSync(
        path.join(moduleDir, 'lib/.helper.o.cmd'),
        `savedcmd_lib/helper.o :=  gcc-14 -Wp,-MMD,lib/.helper.o.d ${kconfigArgs(common)} -I././include -c -o lib/helper.o lib/helper.c\n`,
      );
      const helper = commandsFromBuild(kdir, moduleDir).commands.find((c) => c.file.endsWith('helper.c'));
      assert.deepEqual(helper && [helper.directory, helper.file, helper.output], [
        moduleDir,
        path.join(moduleDir, 'lib/helper.c'),
        path.join(moduleDir, 'lib/helper.o'),
      ]);
    });

    it('a source without a .cmd, one from another kernel, or one older than the Kbuild file is missing', () => {
      writeCmd('main.o', path.join(root, 'other-kernel-common'));
      assert.deepEqual(
        commandsFromBuild(kdir, moduleDir)
          .missing.map((f) => path.relative(moduleDir, f))
          .sort(),
        ['lib/helper.c', 'main.c'],
      );
      writeCmd('main.o', common);
      writeCmd('lib/helper.o', common);
      const old = new Date(Date.now() - 120_000);
      fs.utimesSync(path.join(moduleDir, 'lib/.helper.o.cmd'), old, old);
      assert.deepEqual(
        commandsFromBuild(kdir, moduleDir).missing.map((f) => path.relative(moduleDir, f)),
        ['lib/helper.c'],
      );
    });

    it('a .cmd that is a FIFO is skipped, not read (reading would block)', () => {
      writeCmd('lib/helper.o', common);
      execFileSync('mkfifo', [path.join(moduleDir, '.main.o.cmd')]);
      assert.deepEqual(commandsFromBuild(kdir, moduleDir).missing, [path.join(moduleDir, 'main.c')]);
    });

    it('isFromKernel: kconfig.h of the build dir or its source tree, relative to the build dir too', () => {
      assert.ok(isFromKernel(['gcc', '-include', `${common}/include/linux/kconfig.h`], kdir));
      assert.ok(isFromKernel(['gcc', '-include', './include/linux/kconfig.h'], common));
      assert.ok(!isFromKernel(['gcc', '-include', '/elsewhere/include/linux/kconfig.h'], kdir));
      assert.ok(isFromKernel(['gcc', '-O2'], kdir), 'no forced kconfig.h: nothing to tell it by');
    });

    it('an unlisted C file gets a sibling’s command with its own names', () => {
      writeCmd('main.o', common);
      writeCmd('lib/helper.o', common);
      const commands: CompileCommand[] = commandsFromBuild(kdir, moduleDir).commands;
      const all = withUnlistedSources(commands, moduleDir);
      const extra = all.find((c) => c.file === path.join(moduleDir, 'extra.c'));
      assert.ok(extra, `no entry for extra.c in ${all.map((c) => c.file).join(', ')}`);
      assert.deepEqual(extra.arguments.slice(-4), ['-c', '-o', path.join(moduleDir, 'extra.o'), path.join(moduleDir, 'extra.c')]);
      assert.ok(extra.arguments.includes('-DKBUILD_BASENAME="extra"'));
      assert.ok(extra.arguments.includes(`-Wp,-MMD,${moduleDir}/.extra.o.d`));
      assert.equal(all.length, 3, 'two.mod.c is kbuild’s, not the module’s');
    });
  });
});
