// End to end with the real insmod/rmmod (kmod package), on cases that are safe on any host: a .ko
// that does not exist and a module that is not loaded. Nothing is ever loaded into the host kernel.

import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { moduleStateNote, parseKmodRunArgs } from './kmod-run';

const RUNNER = path.join(__dirname, 'kmod-run.js');

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const assertInstalled = (output: string, program: string) =>
  assert.doesNotMatch(
    output,
    new RegExp(`"${program}" was not found`),
    `${program} missing: run bash scripts/setup-system.sh kbuild (Debian package kmod)`,
  );

describe('kmod-run (real insmod/rmmod) [system]', function () {
  this.timeout(20_000);

  it('insmod of a missing .ko: the real error and what to do', async () => {
    const ko = '/nonexistent/kmod-tools-test.ko';
    const result = await run(['--topic', 'load', '--module', 'kmod_tools_test', '--', 'insmod', ko]);
    assertInstalled(result.output, 'insmod');
    assert.equal(result.code, 1);
    assert.match(result.output, /^insmod: ERROR: could not load module \/nonexistent\/kmod-tools-test\.ko: No such file or directory$/m);
    assert.match(result.output, /^kmod: \/nonexistent\/kmod-tools-test\.ko does not exist: build the module first/m);
  });

  it('rmmod of a module that is not loaded: the command once, each kmod: line once, the outcome for the extension', async () => {
    const outcomeFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-outcome-')), 'outcome.json');
    const result = await run([
      '--topic',
      'unload',
      '--module',
      'kmod_tools_not_loaded',
      `--outcome=${outcomeFile}`,
      '--',
      'rmmod',
      'kmod_tools_not_loaded',
    ]);
    assertInstalled(result.output, 'rmmod');
    assert.equal(result.code, 1);
    assert.match(result.output, /^\$ rmmod kmod_tools_not_loaded$/m);
    assert.match(result.output, /^rmmod: ERROR: Module kmod_tools_not_loaded is not currently loaded$/m);
    const kmodLines = result.output.split('\n').filter((line) => line.startsWith('kmod: '));
    if (fs.existsSync('/proc/modules')) {
      assert.deepEqual(kmodLines, ['kmod: kmod_tools_not_loaded is not loaded (lsmod does not list it).']);
    } else {
      // "Not loaded (lsmod does not list it)" would mislead: nothing can be loaded on this kernel.
      assert.equal(kmodLines.length, 1, result.output);
      assert.match(kmodLines[0], /^kmod: this kernel has no \/proc\/modules/);
    }
    const outcome = JSON.parse(fs.readFileSync(outcomeFile, 'utf8')) as { exitCode: number; messages: string[] };
    assert.deepEqual(outcome, { exitCode: 1, messages: kmodLines.map((line) => line.slice('kmod: '.length)) });
    fs.rmSync(path.dirname(outcomeFile), { recursive: true, force: true });
  });

  it('a program that is not installed', async () => {
    const result = await run(['--topic', 'load', '--', 'kmod-tools-no-such-insmod']);
    assert.equal(result.code, 127);
    assert.match(result.output, /^kmod: "kmod-tools-no-such-insmod" was not found\./m);
  });

  it('reads /proc/modules after a failed rmmod (lines from the VM run of the buggy hello-3)', () => {
    assert.match(
      moduleStateNote('hello_3 16384 -1 - Unloading 0xffffffffc0201000 (OE-)\n', 'hello_3') ?? '',
      /stuck in state "Unloading" \(refcount -1\).*only a reboot clears it/,
    );
    assert.equal(moduleStateNote('other 16384 0 - Live 0xffffffffc0201000\n', 'hello_3'), undefined);
    assert.match(moduleStateNote('hello_3 16384 1 user, Live 0xffffffffc0201000 (OE)\n', 'hello_3') ?? '', /Live with refcount 1/);
    assert.match(moduleStateNote(undefined, 'hello_3') ?? '', /no \/proc\/modules/);
  });

  it('reads its options', () => {
    assert.deepEqual(parseKmodRunArgs(['--topic', 'unload', '--module', 'm', '--', 'sudo', '--', 'rmmod', 'm']), {
      topic: 'unload',
      module: 'm',
      command: ['sudo', '--', 'rmmod', 'm'],
    });
    assert.equal(typeof parseKmodRunArgs(['--topic', 'log', '--', 'x']), 'string');
    assert.equal(typeof parseKmodRunArgs(['--topic', 'load']), 'string');
  });
});
