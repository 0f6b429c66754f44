// Any repository a user opens is untrusted input. Each case here is a workspace, a setting or a
// message built to hang, exhaust or crash the server or the CLI; each must be answered in bounded
// time, with a clear message, and leave nothing running.

import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspSession } from '../support/lsp-client';
import { REPO_ROOT } from '../support/paths';

const KMODCHECK = path.join(REPO_ROOT, 'bin', 'kmodcheck');
const MODULE_C = '#include <linux/module.h>\nstatic int __init a_init(void) { return 0; }\nmodule_init(a_init);\nMODULE_LICENSE("GPL");\n';

function run(args: string[], timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(KMODCHECK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A workspace dir with `files` (text) and `links` (name → target) and `fifos`. */
function workspace(files: Record<string, string>, links: Record<string, string> = {}, fifos: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-hostile-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  for (const [name, target] of Object.entries(links)) fs.symlinkSync(target, path.join(dir, name));
  for (const name of fifos) execFileSync('mkfifo', [path.join(dir, name)]);
  return dir;
}

/** Sends shutdown and exit, and says whether the server process ended by itself within `limitMs`. */
async function exitsByItself(session: LspSession, limitMs = 5000): Promise<boolean> {
  const ended = new Promise<boolean>((resolve) => {
    if (session.process.exitCode !== null) resolve(true);
    session.process.once('exit', () => resolve(true));
    setTimeout(() => resolve(false), limitMs);
  });
  await Promise.race([session.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
  await session.connection.sendNotification('exit');
  return ended;
}

async function hoverAnswers(session: LspSession, uri: string): Promise<boolean> {
  const answer = session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 20 } });
  return Promise.race([answer.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
}

describe('a hostile workspace', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  const cases: [string, () => string][] = [
    ['a Kbuild that links to /dev/zero', () => workspace({ 'a.c': MODULE_C }, { Kbuild: '/dev/zero' })],
    ['a Makefile that is a FIFO', () => workspace({ 'a.c': MODULE_C }, {}, ['Makefile'])],
    [
      'a source named by Kbuild that links to /dev/zero',
      () => workspace({ Kbuild: 'obj-m += m.o\nm-y := a.o b.o\n', 'a.c': MODULE_C }, { 'b.c': '/dev/zero' }),
    ],
    [
      'a source named by Kbuild that is a FIFO',
      () => workspace({ Kbuild: 'obj-m += m.o\nm-y := a.o b.o\n', 'a.c': MODULE_C }, {}, ['b.c']),
    ],
    [
      'a header that links to /dev/zero',
      () => workspace({ Kbuild: 'obj-m += a.o\n', 'a.c': `#include "z.h"\n${MODULE_C}` }, { 'z.h': '/dev/zero' }),
    ],
  ];
  for (const [name, make] of cases) {
    it(`${name}: the server indexes, answers and exits in bounded time`, async () => {
      const dir = make();
      dirs.push(dir);
      const session = new LspSession({}, [dir]);
      try {
        await session.initialize();
        const uri = pathToFileURL(path.join(dir, 'a.c')).href;
        const diagnostics = session.diagnostics(uri, () => true, 15_000);
        await session.open(uri, fs.readFileSync(path.join(dir, 'a.c'), 'utf8'));
        await diagnostics;
        assert.ok(await hoverAnswers(session, uri), 'hover should answer');
        assert.ok(await exitsByItself(session), `the server should exit after exit; stderr: ${session.stderr}`);
      } finally {
        await session.close();
      }
    });
  }

  it('malformed and foreign URIs in every notification are ignored; the server stays up', async () => {
    const dir = workspace({ Kbuild: 'obj-m += a.o\n', 'a.c': MODULE_C });
    dirs.push(dir);
    const session = new LspSession({}, [dir]);
    try {
      await session.initialize();
      const bad = ['file:///tmp/%ZZ.c', 'file://otherhost/x.c', 'untitled:Untitled-1', 'vscode-notebook-cell:/x.c#1', 'file:///tmp/%00.c'];
      for (const uri of bad) {
        await session.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [1, 2, 3].map((type) => ({ uri, type })) });
        await session.open(uri, MODULE_C);
        await session.connection.sendNotification('textDocument/didChange', {
          textDocument: { uri, version: 2 },
          contentChanges: [{ text: `${MODULE_C}int x;\n` }],
        });
        await session.connection
          .sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 20 } })
          .catch(() => undefined);
        await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      }
      const uri = pathToFileURL(path.join(dir, 'a.c')).href;
      const diagnostics = session.diagnostics(uri, () => true, 15_000);
      await session.open(uri, MODULE_C);
      await diagnostics;
      assert.ok(await hoverAnswers(session, uri), 'hover should answer');
      assert.equal(session.process.exitCode, null, `the server died: ${session.stderr}`);
      assert.ok(await exitsByItself(session));
    } finally {
      await session.close();
    }
  });

  it('a client that refuses window/showMessageRequest cannot crash the server (bad kernelVersion, too many files)', async () => {
    const dir = workspace({ Kbuild: 'obj-m += a.o b.o\n', 'a.c': MODULE_C, 'b.c': 'int b;\n' });
    dirs.push(dir);
    // The test client answers any request it does not know with MethodNotFound, as minimal clients do.
    const session = new LspSession(
      { kernelVersion: 'abc', index: { maxFiles: 1 }, kernelBuildDirs: ['/usr/src/linux-headers-0.0.0-none'] },
      [dir],
    );
    try {
      await session.initialize();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.equal(session.process.exitCode, null, `the server died: ${session.stderr}`);
      const uri = pathToFileURL(path.join(dir, 'a.c')).href;
      const diagnostics = session.diagnostics(uri, () => true, 15_000);
      await session.open(uri, MODULE_C);
      await diagnostics;
      assert.ok(await exitsByItself(session));
    } finally {
      await session.close();
    }
  });

  it('a relative kmod.kernelBuildDir is refused with a message, not resolved against the workspace', async () => {
    const dir = workspace({ Kbuild: 'obj-m += a.o\n', 'a.c': MODULE_C });
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, 'kdir/include/linux'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'kdir/Makefile'), '');
    fs.symlinkSync('/dev/zero', path.join(dir, 'kdir/include/linux/zero.h'));
    const session = new LspSession({ kernelBuildDir: 'kdir' }, [dir]);
    const messages: string[] = [];
    session.connection.onNotification('window/showMessage', (params: { message: string }) => {
      messages.push(params.message);
    });
    try {
      await session.initialize();
      const uri = pathToFileURL(path.join(dir, 'a.c')).href;
      const diagnostics = session.diagnostics(uri, () => true, 15_000);
      await session.open(uri, MODULE_C);
      await diagnostics;
      assert.ok(
        messages.some((m) => /kmod\.kernelBuildDir "kdir" is not an absolute path/.test(m)),
        JSON.stringify(messages),
      );
      assert.ok(await hoverAnswers(session, uri));
      assert.ok(await exitsByItself(session));
    } finally {
      await session.close();
    }
  });

  it('a storm of watcher events for the root Makefile of a big tree does not hold up requests', async () => {
    const dir = workspace({ Makefile: 'obj-m += a.o\n', 'a.c': MODULE_C });
    dirs.push(dir);
    for (let d = 0; d < 100; d++) {
      fs.mkdirSync(path.join(dir, `d${d}`));
      for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `d${d}`, `f${f}.c`), 'int x;\n');
    }
    const session = new LspSession({ index: { enabled: false } }, [dir]);
    try {
      await session.initialize();
      const uri = pathToFileURL(path.join(dir, 'a.c')).href;
      const diagnostics = session.diagnostics(uri, () => true, 15_000);
      await session.open(uri, MODULE_C);
      await diagnostics;
      const makefile = pathToFileURL(path.join(dir, 'Makefile')).href;
      const latencies: number[] = [];
      for (let i = 0; i < 30; i++) {
        await session.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: makefile, type: 2 }] });
        const started = Date.now();
        await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 20 } });
        latencies.push(Date.now() - started);
      }
      // Listing the 10,000 files of the tree once per event took ~60 ms each: 1.8 s for the storm.
      const total = latencies.reduce((a, b) => a + b, 0);
      console.log(`    hover during the storm: total ${total} ms, max ${Math.max(...latencies)} ms`);
      assert.ok(total < 450 && Math.max(...latencies) < 300, `hover latencies during the storm: ${latencies.join(', ')} ms`);
      assert.ok(await exitsByItself(session));
    } finally {
      await session.close();
    }
  });

  it('sources a Kbuild names outside the workspace are not read or published', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-outside-'));
    dirs.push(outside);
    fs.writeFileSync(path.join(outside, 'x.c'), 'static int d __initdata = 1;\nint f(void) { return d; }\n');
    const dir = workspace({ 'a.c': MODULE_C });
    fs.writeFileSync(path.join(dir, 'Kbuild'), `obj-m += m.o\nm-y := a.o ${path.relative(dir, path.join(outside, 'x.o'))}\n`);
    dirs.push(dir);
    const session = new LspSession({}, [dir]);
    try {
      await session.initialize();
      const deadline = Date.now() + 15_000;
      while (!session.progress.some((p) => p.kind === 'end')) {
        assert.ok(Date.now() < deadline, 'the index did not finish');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const published = session.published.map((p) => p.uri);
      assert.ok(!published.some((uri) => uri.includes(path.basename(outside))), `published outside the workspace: ${published.join(', ')}`);
    } finally {
      await session.close();
    }
  });

  it('kmodcheck reports symbolic links to non-files and names that are not UTF-8 instead of skipping them silently', async () => {
    const dir = workspace({ 'a.c': MODULE_C }, { 'dangling.c': '/nonexistent/x.c', 'alias.c': 'a.c' });
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, Buffer.from('c\xff.c', 'latin1').toString('latin1')), 'int c;\n');
    execFileSync('bash', ['-c', 'printf "int c;\\n" > "$0/$(printf "c\\xff.c")"', dir]);
    const result = await run(['--kernel-version', '6.1', dir]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /dangling\.c: a symbolic link to nothing: not checked/);
    assert.match(result.stderr, /the file name is not valid UTF-8: not checked/);
    assert.ok(result.ms < 8000);
  });

  it('a 4 MB file of 120,000 declarations does not keep a small open file waiting', async () => {
    const dir = workspace({ 'a.c': MODULE_C });
    dirs.push(dir);
    const huge = Array.from({ length: 120_000 }, (_, i) => `static int __initdata entry_${i} = ${i};`).join('\n');
    fs.writeFileSync(path.join(dir, 'huge.c'), huge);
    const session = new LspSession({ index: { enabled: false } }, [dir]);
    try {
      await session.initialize();
      const hugeUri = pathToFileURL(path.join(dir, 'huge.c')).href;
      await session.open(hugeUri, huge);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const uri = pathToFileURL(path.join(dir, 'a.c')).href;
      const started = Date.now();
      const diagnostics = session.diagnostics(uri, () => true, 30_000);
      await session.open(uri, MODULE_C);
      await diagnostics;
      const waited = Date.now() - started;
      console.log(`    small file's diagnostics after ${waited} ms while the huge one is analyzed`);
      assert.ok(waited < 5000, `the small file waited ${waited} ms`);
      assert.ok(await hoverAnswers(session, uri));
    } finally {
      await session.close();
    }
  });

  it('kmodcheck: /dev/zero, a FIFO and a Kbuild source linking to /dev/zero exit 2 at once with a message', async () => {
    const dir = workspace({ Kbuild: 'obj-m += m.o\nm-y := a.o b.o\n', 'a.c': MODULE_C }, { 'b.c': '/dev/zero' }, ['fifo.c']);
    dirs.push(dir);
    for (const [args, expected] of [
      [['/dev/zero'], /\/dev\/zero is a character device, not a regular file/],
      [[path.join(dir, 'fifo.c')], /fifo\.c is a FIFO, not a regular file/],
      [[path.join(dir, 'a.c'), path.join(dir, 'b.c')], /b\.c is a character device, not a regular file/],
    ] as const) {
      const result = await run([...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, expected);
      assert.ok(result.ms < 8000, `${args.join(' ')} took ${result.ms} ms`);
    }
  });
});

describe('kmodcheck output that cannot be written', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    // 300 modules with a finding each: far more JSON than a pipe holds.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-hostile-out-'));
    const bad = 'static int d __initdata = 1;\nstatic void __exit e(void) { (void)d; }\nmodule_exit(e);\n';
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(dir, `m${i}.c`), `#include <linux/module.h>\n${bad}`);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a reader that goes away (| head -c 10) ends the run quietly with status 3', async () => {
    // The pipe as a shell makes it; the paths travel as arguments, not inside the script.
    const script = '"$0" --format json --kernel-version 6.1 "$1" | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"';
    const child = spawn('bash', ['-c', script, KMODCHECK, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    assert.equal(stdout.trim(), '3', stderr);
    assert.equal(stderr, '');
  });

  it('a full disk ends the run with status 3 and says why', async () => {
    const fd = fs.openSync('/dev/full', 'w');
    try {
      const child = spawn(KMODCHECK, ['--kernel-version', '6.1', dir], { stdio: ['ignore', fd, 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 3, stderr);
      assert.match(stderr, /^kmodcheck: cannot write the output: ENOSPC/);
    } finally {
      fs.closeSync(fd);
    }
  });
});
