// End to end: the kbuild-run wrapper around real kbuild builds of the fixture modules.

import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseKbuildRunArgs, runKbuild } from './kbuild-run';
import { Writable } from 'node:stream';
import { copySources, installedKdir, REPO_ROOT, removeTempCopies } from '../../test/support/build-logs';

const WRAPPER = path.join(__dirname, 'kbuild-run.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  pid: number;
}

function runWrapper(args: string[], onStart?: (pid: number) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRAPPER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('spawn', () => onStart?.(child.pid!));
    child.on('close', (code, signal) => resolve({ code, signal, output, pid: child.pid! }));
  });
}

/** Processes (pid → [ppid, pgrp]) from /proc. */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), [Number(fields[1]), Number(fields[2])]);
    } catch {
      /* exited meanwhile */
    }
  }
  return table;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** kbuild-run around a make whose recipe sleeps, once make and its sleep are running. */
async function wrapperRunningSleep(): Promise<{ done: Promise<Run>; wrapperPid: number; makePgid: number }> {
  const dir = copySources('empty');
  fs.writeFileSync(path.join(dir, 'Makefile'), 'all:\n\tsleep 60\n');
  let wrapperPid = 0;
  const done = runWrapper(['--module-dir', dir, '--', 'make', '-C', dir], (pid) => (wrapperPid = pid));
  let makePgid = 0;
  for (let i = 0; i < 100 && !makePgid; i++) {
    await sleep(100);
    const table = processTable();
    const make = [...table].find(([, [ppid]]) => ppid === wrapperPid);
    const hasSleep = make && [...table].some(([, [ppid]]) => ppid === make[0]);
    if (make && hasSleep) makePgid = make[1][1];
  }
  assert.ok(makePgid > 0, 'make and its sleep did not start');
  return { done, wrapperPid, makePgid };
}

describe('kbuild-run wrapper (real kbuild) [system]', function () {
  this.timeout(120_000);
  const kdir = installedKdir();
  after(removeTempCopies);

  it('maps the seed hello-3 modpost warning to hello-3.c line 22 and keeps the output', async () => {
    const dir = copySources(path.join(REPO_ROOT, 'examples/hello-3'));
    const run = await runWrapper(['--module-dir', dir, '--kdir', kdir, '--', 'make', '-C', kdir, `M=${dir}`, 'modules']);
    assert.equal(run.code, 0, run.output);
    const original = `WARNING: modpost: ${dir}/hello-3.o: section mismatch in reference: cleanup_module (section: .exit.text) -> hello3_data (section: .init.data)`;
    assert.ok(run.output.split('\n').includes(original), run.output);
    const mapped = run.output.split('\n').filter((l) => l.endsWith('[modpost]'));
    assert.equal(mapped.length, 1, run.output);
    assert.match(
      mapped[0],
      new RegExp(
        `^${dir}/hello-3\\.c:22:\\d+: warning: .*cleanup_module \\(section: \\.exit\\.text\\) -> hello3_data .*cleanup_module is hello_3_exit.* \\[modpost\\]$`,
      ),
    );
    const column = Number(/hello-3\.c:22:(\d+):/.exec(mapped[0])![1]);
    const sourceLine = fs.readFileSync(path.join(dir, 'hello-3.c'), 'utf8').split('\n')[21];
    assert.equal(sourceLine.slice(column - 1, column - 1 + 'hello3_data'.length), 'hello3_data');
    assert.ok(fs.existsSync(path.join(dir, 'hello-3.ko')));
  });

  it("exits with make's status and explains a strict-mode mismatch failure", async () => {
    const dir = copySources('hello-3');
    const run = await runWrapper([
      '--module-dir',
      dir,
      '--',
      'make',
      '-C',
      kdir,
      `M=${dir}`,
      'modules',
      'CONFIG_SECTION_MISMATCH_WARN_ONLY=',
    ]);
    assert.equal(run.code, 2, run.output);
    assert.match(run.output, /^kmod: This kernel is configured without CONFIG_SECTION_MISMATCH_WARN_ONLY/m);
    assert.match(run.output, new RegExp(`^${dir}/Makefile:1:1: error: Section mismatches detected\\. \\[modpost\\]$`, 'm'));
    assert.match(run.output, new RegExp(`^${dir}/hello-3\\.c:22:\\d+: warning: `, 'm'));
  });

  it('maps undefined symbols and missing licenses of real builds', async () => {
    const undefinedDir = copySources('undefined-symbol');
    const undefinedRun = await runWrapper(['--module-dir', undefinedDir, '--', 'make', '-C', kdir, `M=${undefinedDir}`, 'modules']);
    assert.equal(undefinedRun.code, 2);
    assert.match(
      undefinedRun.output,
      new RegExp(`^${undefinedDir}/undefined-symbol\\.c:8:\\d+: error: "no_such_function" .* undefined! \\[modpost\\]$`, 'm'),
    );
    assert.match(undefinedRun.output, /^kmod: no_such_function is not exported/m);
    const licenseDir = copySources('no-license');
    const licenseRun = await runWrapper(['--module-dir', licenseDir, '--', 'make', '-C', kdir, `M=${licenseDir}`, 'modules']);
    assert.equal(licenseRun.code, 2);
    assert.match(
      licenseRun.output,
      new RegExp(`^${licenseDir}/no-license\\.c:17:1: error: missing MODULE_LICENSE\\(\\) in .* \\[modpost\\]$`, 'm'),
    );
  });

  it('explains an LKMPG Makefile that hard-codes /lib/modules/$(uname -r)/build', async () => {
    const dir = copySources('hello-3');
    const run = await runWrapper(['--module-dir', dir, '--', 'make', '-C', dir, `KDIR=${kdir}`]);
    // The running kernel has no build dir on the test machines (its headers are not installed).
    if (fs.existsSync(`/lib/modules/${os.release()}/build`)) {
      assert.equal(run.code, 0, run.output);
    } else {
      assert.equal(run.code, 2, run.output);
      assert.match(run.output, /^kmod: The kernel build directory \/lib\/modules\/.*\/build does not exist\. If the Makefile hard-codes/m);
    }
  });

  it('explains a missing Makefile and a missing make', async () => {
    const dir = copySources('empty');
    const run = await runWrapper(['--module-dir', dir, '--', 'make', '-C', kdir, `M=${dir}`, 'modules']);
    assert.equal(run.code, 2);
    assert.match(run.output, /^kmod: no Kbuild\/Makefile in .* declares a module/m);
    assert.match(run.output, /^kmod: kbuild needs a Kbuild or Makefile in the module directory/m);
    const missing = await runWrapper(['--module-dir', dir, '--', 'kmod-no-such-make']);
    assert.equal(missing.code, 127);
    assert.match(missing.output, /^kmod: "kmod-no-such-make" was not found\./m);
  });

  it('adds absolute copies of gcc diagnostics printed with relative paths', async () => {
    const dir = copySources('gcc-error');
    // A plain gcc run in the module directory prints "gcc-error.c:6:36: error: …" (as kbuild 7.x does).
    fs.writeFileSync(path.join(dir, 'Makefile'), 'all:\n\tgcc -fsyntax-only gcc-error.c\n');
    fs.writeFileSync(path.join(dir, 'gcc-error.c'), 'int main(void)\n{\n\treturn undeclared_counter;\n}\n');
    const run = await runWrapper(['--module-dir', dir, '--', 'make', '-C', dir]);
    assert.equal(run.code, 2);
    const lines = run.output.split('\n');
    const relative = lines.find((l) => /^gcc-error\.c:3:\d+: error: /.test(l));
    assert.ok(relative, run.output);
    assert.ok(lines.includes(`${dir}/${relative}`), run.output);
  });

  it('forwards SIGTERM to the whole make process group and leaves no process behind', async () => {
    const { done, wrapperPid, makePgid } = await wrapperRunningSleep();
    assert.notEqual(makePgid, wrapperPid, 'make must lead its own process group');
    process.kill(wrapperPid, 'SIGTERM');
    const run = await done;
    assert.notEqual(run.code, 0);
    await sleep(200);
    const left = [...processTable()].filter(([, [, pgrp]]) => pgrp === makePgid);
    assert.deepEqual(left, [], 'processes of the make group survived');
  });

  it('leaves no make behind when it is killed outright (SIGKILL: no handler runs)', async () => {
    const { done, wrapperPid, makePgid } = await wrapperRunningSleep();
    process.kill(wrapperPid, 'SIGKILL');
    await done;
    let left: number[] = [];
    for (let i = 0; i < 20; i++) {
      await sleep(100);
      left = [...processTable()].filter(([, [, pgrp]]) => pgrp === makePgid).map(([pid]) => pid);
      if (left.length === 0) break;
    }
    assert.deepEqual(left, [], 'processes of the make group survived');
  });
});

describe('kbuild-run arguments', () => {
  it('parses options and the command after --', () => {
    const parsed = parseKbuildRunArgs(['--module-dir', 'm', '--kernel-version', '6.6', '--', 'make', '-C', '/k', 'M=/m', 'modules']);
    assert.ok(typeof parsed !== 'string');
    assert.equal(parsed.moduleDir, path.resolve('m'));
    assert.equal(parsed.kernelVersion, '6.6');
    assert.deepEqual(parsed.command, ['make', '-C', '/k', 'M=/m', 'modules']);
  });

  it('rejects a missing command or module dir', () => {
    assert.equal(typeof parseKbuildRunArgs(['--module-dir', 'm']), 'string');
    assert.equal(typeof parseKbuildRunArgs(['--', 'make']), 'string');
    assert.equal(typeof parseKbuildRunArgs(['--bogus', 'x', '--', 'make']), 'string');
  });

  it('refuses an M= or KDIR= make would expand, before running anything', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-dollar-'));
    const sentinel = path.join(dir, 'ran');
    try {
      fs.writeFileSync(path.join(dir, 'Makefile'), 'obj-m += m.o\n');
      let errors = '';
      const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
      const err = new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          errors += chunk.toString();
          done();
        },
      });
      const parsed = parseKbuildRunArgs([
        '--module-dir',
        dir,
        '--',
        'make',
        '-C',
        '/nonexistent',
        `M=${dir}/$(shell touch ${sentinel})`,
        'modules',
      ]);
      assert.ok(typeof parsed !== 'string');
      assert.equal(await runKbuild(parsed, sink, err), 2);
      assert.match(errors, /kbuild cannot build with M=.*contains a \$/);
      assert.ok(!fs.existsSync(sentinel));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
