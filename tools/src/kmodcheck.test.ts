import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testKernel } from '../../test/support/kernels';
import { REPO_ROOT } from '../../test/support/lsp-client';
import { writeModule } from '../../test/support/modules';

const KMODCHECK = path.join(REPO_ROOT, 'bin', 'kmodcheck');

/** The facts cache of these runs (XDG_CACHE_HOME), never the user's. */
const XDG_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'kmodcheck-xdg-'));
after(() => fs.rmSync(XDG_CACHE, { recursive: true, force: true }));

function run(args: string[], cwd = REPO_ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(KMODCHECK, args, { cwd, env: { ...process.env, XDG_CACHE_HOME: XDG_CACHE } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('kmodcheck (the bundled CLI, as a process)', function () {
  this.timeout(30_000);

  it('gcc format: one finding on the seed, exit 1', async () => {
    const { code, stdout } = await run(['--kernel-version', '6.1', 'examples/hello-3']);
    assert.equal(code, 1);
    assert.match(
      stdout,
      /^examples\/hello-3\/hello-3\.c:22:42: warning: hello_3_exit .*cleanup_module -> hello3_data\. \[section-mismatch\]\n$/,
    );
  });

  it('exit 0 and no output on the fixed seed', async () => {
    const { code, stdout } = await run(['examples/hello-3-fixed']);
    assert.deepEqual([code, stdout], [0, '']);
  });

  it('honours kmod-ignore comments: exit 0 when every finding is silenced', async () => {
    const source = fs.readFileSync(path.join(REPO_ROOT, 'examples', 'hello-3', 'hello-3.c'), 'utf8');
    const dir = writeModule({
      Makefile: 'obj-m += hello-3.o\n',
      'hello-3.c': source.replace(/^(.*Goodbye.*hello3_data\);)$/m, '$1 // kmod-ignore section-mismatch -- demo'),
    });
    try {
      const silenced = fs.readFileSync(path.join(dir, 'hello-3.c'), 'utf8');
      assert.equal(silenced.split('kmod-ignore').length, 2, 'exactly one line gets the comment');
      const { code, stdout } = await run(['--kernel-version', '6.1', dir]);
      assert.deepEqual([code, stdout], [0, '']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('json format is exactly the documented shape, 1-based', async () => {
    const { code, stdout } = await run(['--format', 'json', '--kernel-version', '6.1', 'examples/hello-3']);
    assert.equal(code, 1);
    const parsed = JSON.parse(stdout) as { version: number; findings: Record<string, unknown>[] };
    assert.equal(parsed.version, 1);
    assert.deepEqual(Object.keys(parsed.findings[0]), [
      'file',
      'line',
      'column',
      'endLine',
      'endColumn',
      'severity',
      'code',
      'message',
      'from',
      'to',
    ]);
    assert.deepEqual(
      { ...parsed.findings[0], message: undefined },
      {
        file: 'examples/hello-3/hello-3.c',
        line: 22,
        column: 42,
        endLine: 22,
        endColumn: 53,
        severity: 'warning',
        code: 'section-mismatch',
        message: undefined,
        from: { symbol: 'hello_3_exit', section: '.exit.text' },
        to: { symbol: 'hello3_data', section: '.init.data' },
      },
    );
  });

  it('sarif format names the rule and the region', async () => {
    const { stdout } = await run(['--format', 'sarif', 'examples/hello-3']);
    const sarif = JSON.parse(stdout) as {
      version: string;
      runs: { results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[];
    };
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs[0].results[0].ruleId, 'section-mismatch');
    assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine, 22);
  });

  it('keeps facts in its cache: a re-run reads them with the same output, --no-cache neither reads nor writes, a bad entry is redone', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmodcheck-cache-'));
    const entries = (): string[] =>
      fs
        .readdirSync(cacheDir, { recursive: true })
        .map(String)
        .filter((name) => /^[0-9a-f]{2}\/[0-9a-f]{62}$/.test(name))
        .sort();
    try {
      const args = ['--format', 'json', '--kernel-version', '6.1', '--cache-dir', cacheDir, 'examples/hello-3', 'test/kbuild/fixtures'];
      const cold = await run(args);
      assert.equal(cold.code, 1, cold.stderr);
      const stored = entries();
      assert.ok(stored.length > 3, `${stored.length} entries`);
      const stamps = stored.map((name) => fs.statSync(path.join(cacheDir, name)).mtimeMs);
      const warm = await run(args);
      assert.deepEqual(warm, cold);
      assert.deepEqual(
        stored.map((name) => fs.statSync(path.join(cacheDir, name)).mtimeMs),
        stamps,
        'nothing rewritten',
      );
      fs.writeFileSync(path.join(cacheDir, stored[0]), 'not an entry');
      assert.deepEqual(await run(args), cold);
      assert.notEqual(fs.readFileSync(path.join(cacheDir, stored[0]), 'latin1'), 'not an entry');
      fs.rmSync(cacheDir, { recursive: true });
      const uncached = await run(args.filter((arg) => arg !== '--cache-dir' && arg !== cacheDir).concat('--no-cache'));
      assert.deepEqual(uncached, cold);
      assert.equal(fs.existsSync(cacheDir), false);
      assert.equal((await run(['--no-cache', '--cache-dir', cacheDir, 'examples/hello-3'])).code, 2);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('exit 2 with a clear message for a missing path, and the other inputs are still checked', async () => {
    const { code, stdout, stderr } = await run(['no/such/dir', 'examples/hello-3']);
    assert.equal(code, 2);
    assert.match(stderr, /kmodcheck: no such file or directory: no\/such\/dir/);
    assert.match(stdout, /hello-3\.c:22:42/);
  });

  it('exit 2 for an unreadable file (binary junk), naming it', async () => {
    const dir = writeModule({ 'junk.c': '\u0000\u0001\u0002binary\u0000' });
    try {
      const { code, stderr } = await run([path.join(dir, 'junk.c')]);
      assert.equal(code, 2);
      assert.match(stderr, /junk\.c: file looks binary/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exit 2 with usage on bad options', async () => {
    for (const args of [
      [],
      ['--format', 'xml', 'x.c'],
      ['--kernel-version', 'banana', 'examples/hello-3'],
      ['--bogus'],
      ['--help=x', 'examples/hello-3'],
    ]) {
      const { code, stderr } = await run(args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, /kmodcheck: /);
    }
  });

  it('exit 2 for a --kdir that is no build dir, naming the package that installs it', async () => {
    const { code, stderr } = await run(['--kdir', '/usr/src/linux-headers-6.9.9-amd64', 'examples/hello-3']);
    assert.equal(code, 2);
    assert.match(stderr, /linux-headers-6\.9\.9-amd64 is not a kernel build directory .*package linux-headers-6\.9\.9-amd64/);
  });

  it('symbols lists each definition with its section as JSON', async () => {
    const { code, stdout } = await run(['symbols', '--format', 'json', 'examples/hello-3/hello-3.c']);
    assert.equal(code, 0);
    const { symbols } = JSON.parse(stdout) as { symbols: { name: string; section: string; line: number }[] };
    assert.deepEqual(
      symbols.map((s) => [s.name, s.section, s.line]),
      [
        ['hello3_data', '.init.data', 12],
        ['hello_3_init', '.init.text', 14],
        ['hello_3_exit', '.exit.text', 20],
      ],
    );
  });

  it('compile-commands: exit 2 naming the problem for bad arguments or a directory that is no build dir', async () => {
    const cases: [string[], RegExp][] = [
      [['compile-commands'], /takes one module directory, not 0/],
      [['compile-commands', '--flavour', 'icc', 'examples/hello-3'], /unknown flavour 'icc' \(clang, gcc\)/],
      [['compile-commands', 'examples/no-such-module'], /examples\/no-such-module is not a directory/],
      [['compile-commands', '--kdir', '/nonexistent', 'examples/hello-3'], /\/nonexistent is not a kernel build directory/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await run(args);
      assert.deepEqual([code, stdout], [2, ''], args.join(' '));
      assert.match(stderr, message);
    }
  });

  it('[system] compile-commands: the dry run of an unbuilt copy, both flavours; exit 2 when make is missing', async () => {
    const kdir = testKernel('6.1').kdir;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-cli-compile-commands-'));
    fs.cpSync(path.join(REPO_ROOT, 'examples', 'hello-3'), dir, { recursive: true });
    try {
      const clang = await run(['compile-commands', '--kdir', kdir, dir]);
      const gcc = await run(['compile-commands', '--kdir', kdir, '--flavour', 'gcc', '--dry-run', dir]);
      assert.equal(clang.code, 0, clang.stderr);
      const [clangEntry] = JSON.parse(clang.stdout) as { directory: string; file: string; arguments: string[] }[];
      const [gccEntry] = JSON.parse(gcc.stdout) as { arguments: string[] }[];
      assert.deepEqual([clangEntry.directory, clangEntry.file], [kdir, path.join(dir, 'hello-3.c')]);
      assert.ok(gccEntry.arguments.includes('-mrecord-mcount') && !clangEntry.arguments.includes('-mrecord-mcount'));
      assert.deepEqual(fs.readdirSync(dir).sort(), ['Makefile', 'hello-3.c'], 'the dry run wrote into the module dir');
      const noMake = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [KMODCHECK, 'compile-commands', '--kdir', kdir, dir],
          { env: { PATH: '/nonexistent' } },
          (error, _out, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
        );
      });
      assert.equal(noMake.code, 2);
      assert.match(noMake.stderr, /make is not installed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
