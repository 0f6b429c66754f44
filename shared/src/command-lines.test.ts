import * as assert from 'node:assert/strict';
import {
  commandLine,
  kernelModuleName,
  makeArgv,
  privileged,
  splitModuleParameters,
  type KbuildSettings,
  type TaskRequest,
  type ToolPaths,
} from './command-lines';

const tools: ToolPaths = {
  node: '/opt/code/code',
  nodeEnv: { ELECTRON_RUN_AS_NODE: '1' },
  kbuildRun: '/ext/dist/kbuild-run.js',
  kmodRun: '/ext/dist/kmod-run.js',
  kmsgFollow: '/ext/dist/kmsg-follow.js',
  vmtest: '/ext/dist/vmtest.js',
};

const settings = (overrides: Partial<KbuildSettings> = {}): KbuildSettings => ({
  privilegeHelper: 'sudo',
  buildStrategy: 'kbuild',
  moduleParameters: '',
  kernelVersion: '',
  isRoot: false,
  ...overrides,
});

// Paths with shell metacharacters must stay single argv elements (make itself refuses spaces and $: below).
const moduleDir = '/home/u/mod;`id`\'"&x';
const kdir = '/usr/src/linux-headers-6.1.0-56-amd64';
const helloModule = { name: 'hello-3', ko: `${moduleDir}/hello-3.ko` };

function argv(request: Omit<TaskRequest, 'moduleDir'> & { moduleDir?: string }, s = settings()): string[] {
  const result = commandLine({ moduleDir, ...request }, s, tools);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  assert.equal(result.command.process, tools.node);
  assert.deepEqual(result.command.env, { ELECTRON_RUN_AS_NODE: '1' });
  return result.command.args;
}

describe('kbuild task command lines', () => {
  it('build (kbuild strategy): kbuild-run around make -C <kdir> M=<dir> modules', () => {
    assert.deepEqual(argv({ kind: 'build', kdir, kdirRelease: '6.1.0-56-amd64' }), [
      '/ext/dist/kbuild-run.js',
      `--module-dir=${moduleDir}`,
      `--kdir=${kdir}`,
      '--build-release=6.1.0-56-amd64',
      '--privilege-helper=sudo',
      '--',
      'make',
      '-C',
      kdir,
      `M=${moduleDir}`,
      'modules',
    ]);
  });

  it('build (makefile strategy): make -C <dir> KDIR=<kdir>, with the kernel version for the mapper', () => {
    assert.deepEqual(argv({ kind: 'build', kdir }, settings({ buildStrategy: 'makefile', kernelVersion: '6.6' })), [
      '/ext/dist/kbuild-run.js',
      `--module-dir=${moduleDir}`,
      '--kernel-version=6.6',
      `--kdir=${kdir}`,
      '--privilege-helper=sudo',
      '--',
      'make',
      '-C',
      moduleDir,
      `KDIR=${kdir}`,
    ]);
  });

  it('build for all kernels: kbuild-run with each build dir, then make alone', () => {
    const other = '/usr/src/linux-headers-6.12.118+deb12-amd64';
    assert.deepEqual(argv({ kind: 'build-all', kdirs: [kdir, other] }), [
      tools.kbuildRun,
      `--module-dir=${moduleDir}`,
      `--each-kdir=${kdir}`,
      `--each-kdir=${other}`,
      '--',
      'make',
    ]);
    assert.deepEqual(commandLine({ kind: 'build-all', moduleDir, kdirs: [] }, settings(), tools), {
      ok: false,
      reason: 'no kernel headers are installed to build against',
    });
  });

  it('clean for both strategies', () => {
    assert.deepEqual(argv({ kind: 'clean', kdir }), [
      '/ext/dist/kmod-run.js',
      '--topic=build',
      '--',
      'make',
      '-C',
      kdir,
      `M=${moduleDir}`,
      'clean',
    ]);
    assert.deepEqual(makeArgv('clean', kdir, moduleDir, 'makefile'), ['make', '-C', moduleDir, `KDIR=${kdir}`, 'clean']);
  });

  it('load: sudo -- insmod <ko> with the parameters as separate arguments', () => {
    assert.deepEqual(argv({ kind: 'load', module: helloModule, kdirRelease: '6.1.0-56-amd64', params: 'count=3 msg="two words"' }), [
      '/ext/dist/kmod-run.js',
      '--topic=load',
      '--module=hello_3',
      '--build-release=6.1.0-56-amd64',
      '--privilege-helper=sudo',
      '--',
      'sudo',
      '--',
      'insmod',
      helloModule.ko,
      'count=3',
      'msg="two words"',
    ]);
  });

  it('load uses the kmod.moduleParameters setting when the request has none; pkexec and root', () => {
    const pk = argv({ kind: 'load', module: helloModule }, settings({ privilegeHelper: 'pkexec', moduleParameters: 'debug=1' }));
    assert.deepEqual(pk.slice(pk.indexOf('--') + 1), ['pkexec', 'insmod', helloModule.ko, 'debug=1']);
    const root = argv({ kind: 'load', module: helloModule }, settings({ isRoot: true }));
    assert.deepEqual(root.slice(root.indexOf('--') + 1), ['insmod', helloModule.ko]);
    const none = argv({ kind: 'unload', module: helloModule }, settings({ privilegeHelper: 'none' }));
    assert.deepEqual(none.slice(none.indexOf('--') + 1), ['rmmod', 'hello_3']);
  });

  it('load and unload write their outcome where the extension asks', () => {
    for (const kind of ['load', 'unload'] as const) {
      const args = argv({ kind, module: helloModule, outcomeFile: '/tmp/o u t.json' });
      assert.ok(args.slice(0, args.indexOf('--')).includes('--outcome=/tmp/o u t.json'), kind);
    }
  });

  it("unload: rmmod with the kernel's module name", () => {
    assert.deepEqual(argv({ kind: 'unload', module: helloModule }), [
      '/ext/dist/kmod-run.js',
      '--topic=unload',
      '--module=hello_3',
      '--privilege-helper=sudo',
      '--',
      'sudo',
      '--',
      'rmmod',
      'hello_3',
    ]);
  });

  it('kernel log and module log', () => {
    assert.deepEqual(argv({ kind: 'log' }), ['/ext/dist/kmsg-follow.js', '--privilege-helper=sudo']);
    assert.deepEqual(argv({ kind: 'log' }, settings({ kernelLogFrom: 'boot' })), [
      '/ext/dist/kmsg-follow.js',
      '--privilege-helper=sudo',
      '--from=boot',
    ]);
    assert.deepEqual(argv({ kind: 'module-log', module: helloModule, logMatches: ['Hello, world'] }, settings({ isRoot: true })), [
      '/ext/dist/kmsg-follow.js',
      '--privilege-helper=sudo',
      '--root',
      '--module=hello_3',
      '--match=Hello, world',
    ]);
  });

  it('vm: kmod-vmtest with the module parameters as one argument, never a privilege helper', () => {
    const result = commandLine(
      { kind: 'vm', kdir: '/k', moduleDir: '/m;y', params: 'a=1 b="two words"' },
      settings({ privilegeHelper: 'sudo' }),
      tools,
    );
    assert.ok(result.ok);
    assert.equal(result.command.process, '/opt/code/code');
    assert.deepEqual(result.command.args, ['/ext/dist/vmtest.js', '--kdir=/k', '--module-dir=/m;y', '--params=a=1 b="two words"']);
    assert.ok(!commandLine({ kind: 'vm', moduleDir: '/m' }, settings(), tools).ok);
  });

  it('refuses paths make would expand or kbuild would split, saying why', () => {
    for (const [dir, why] of [
      ['/home/u/m$(shell id)', /contains a \$ \(make would expand/],
      ['/home/u/my mod', /contains a space/],
      ['/home/u/m#1', /contains a #/],
    ] as const) {
      for (const kind of ['build', 'clean', 'vm'] as const) {
        const result = commandLine({ kind, moduleDir: dir, kdir }, settings(), tools);
        assert.ok(!result.ok, `${kind} ${dir}`);
        assert.match(result.reason, why);
        assert.match(result.reason, new RegExp(`M=${dir.replace(/[$()]/g, '\\$&')}`));
      }
    }
    const kdirWithDollar = commandLine({ kind: 'build', moduleDir: '/m', kdir: '/k$(x)' }, settings({ buildStrategy: 'makefile' }), tools);
    assert.ok(!kdirWithDollar.ok && /KDIR=\/k\$\(x\)/.test(kdirWithDollar.reason));
    // Loading and logs never hand the path to make.
    assert.ok(commandLine({ kind: 'unload', moduleDir: '/home/u/my mod', module: helloModule }, settings(), tools).ok);
  });

  it('refuses what it cannot run', () => {
    for (const request of [
      { kind: 'build' as const, moduleDir },
      { kind: 'load' as const, moduleDir },
      { kind: 'load' as const, moduleDir, module: helloModule, params: '-f' },
      { kind: 'load' as const, moduleDir, module: helloModule, params: 'x="open' },
    ]) {
      const result = commandLine(request, settings(), tools);
      assert.equal(result.ok, false, JSON.stringify(request));
    }
  });
});

describe('module parameters', () => {
  it('splits on whitespace outside double quotes and keeps the quotes for the kernel', () => {
    assert.deepEqual(splitModuleParameters('  a=1   b="x y"  flag '), { ok: true, params: ['a=1', 'b="x y"', 'flag'] });
    assert.deepEqual(splitModuleParameters(''), { ok: true, params: [] });
    assert.deepEqual(splitModuleParameters('arr=1,2,3 s=$HOME;ls'), { ok: true, params: ['arr=1,2,3', 's=$HOME;ls'] });
  });

  it('rejects options and junk', () => {
    for (const text of ['-f', 'a=1 --force', '=1', '"a b"', 'x="unbalanced']) assert.equal(splitModuleParameters(text).ok, false, text);
  });

  it('privilege helpers and module names', () => {
    assert.deepEqual(privileged(['dmesg'], 'sudo', false), ['sudo', '--', 'dmesg']);
    assert.deepEqual(privileged(['dmesg'], 'pkexec', false), ['pkexec', 'dmesg']);
    assert.deepEqual(privileged(['dmesg'], 'sudo', true), ['dmesg']);
    assert.equal(kernelModuleName('sub/my-mod'), 'my_mod');
  });
});
