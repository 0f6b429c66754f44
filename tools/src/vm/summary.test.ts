import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConsoleLine, LineSplitter, stripTerminalControls } from './console';
import { decodeTaint, summarizeConsole } from './summary';
import { FIXTURES } from '../../../test/support/vm';

/** A recorded console, one line per 10 ms (the parser only needs increasing times). */
function recorded(file: string): ConsoleLine[] {
  return fs
    .readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .map((text, i) => ({ text, at: i / 100 }));
}

describe('console summary', () => {
  it('reads the research recording of the hello-3 oops (older marker format)', () => {
    const summary = summarizeConsole(recorded('research-buggy-pvh.excerpt.log'));
    assert.equal(summary.initStarted, true);
    assert.equal(summary.loaded, true);
    assert.equal(summary.unloaded, false, 'both rmmods failed');
    assert.equal(summary.oops.length, 1, 'BUG + Oops + repeated RIP are one report');
    const [report] = summary.oops;
    assert.equal(report.kind, 'BUG');
    assert.equal(report.line, 'BUG: unable to handle page fault for address: ffffffffc0207008');
    assert.deepEqual(report.rip, { kind: 'rip', function: 'hello_3_exit', offset: 0, size: 0x1000, module: 'hello_3', reliable: true });
    assert.deepEqual(
      report.trace.map((f) => f.function),
      [
        '__do_sys_delete_module',
        'do_syscall_64',
        '__handle_mm_fault',
        'handle_mm_fault',
        'do_user_addr_fault',
        'exit_to_user_mode_prepare',
        'entry_SYSCALL_64_after_hwframe',
      ],
    );
    assert.ok(report.lines.includes('note: rmmod[96] exited with irqs disabled'));
    assert.deepEqual(summary.moduleMessages, ['Hello, world 3']);
    assert.deepEqual(summary.kernelNotices, [
      'hello_3: loading out-of-tree module taints kernel.',
      'hello_3: module verification failed: signature and/or required key missing - tainting kernel',
    ]);
    assert.equal(summary.taint?.value, 12416);
    assert.deepEqual(
      summary.taint?.flags.map((f) => f.letter),
      ['D', 'O', 'E'],
    );
    const rcs = Object.fromEntries(summary.phases.filter((p) => p.rc !== undefined).map((p) => [p.name, p.rc]));
    assert.deepEqual(rcs, { insmod: 0, 'rmmod-1': 137, 'rmmod-2': 1 });
    assert.ok(
      summary.phases.find((p) => p.name === 'rmmod-2')?.output.includes("rmmod: can't unload module 'hello_3': Device or resource busy"),
    );
  });

  it('reads the research recording of the fixed module', () => {
    const summary = summarizeConsole(recorded('research-fixed-pvh.excerpt.log'));
    assert.equal(summary.oops.length, 0);
    assert.deepEqual(summary.moduleMessages, ['Goodbye, world 3']);
    assert.equal(summary.phases.find((p) => p.name === 'rmmod-1')?.rc, 0);
    assert.deepEqual(
      summary.taint?.flags.map((f) => f.letter),
      ['O', 'E'],
    );
  });

  it('reads a whole kmod-vmtest console (current markers, final module state)', () => {
    const summary = summarizeConsole(recorded('buggy-pvh-tcg.console.log'));
    assert.equal(summary.kernelUpSeconds, 0.01, 'the banner follows "Booting from ROM.." on the same line');
    assert.equal(summary.finalModuleState, 'Unloading');
    assert.equal(summary.loaded, true);
    assert.equal(summary.unloaded, false);
    assert.equal(summary.oops.length, 1);
    assert.equal(summary.oops[0].rip?.function, 'hello_3_exit');
    assert.deepEqual(summary.moduleMessages, ['Hello, world 3']);
    assert.equal(summary.taint?.value, 12416);
    assert.deepEqual(
      summary.phases.map((p) => p.name),
      ['init-start', 'insmod', 'settle', 'rmmod-1', 'rmmod-2', 'lsmod', 'end', 'poweroff'],
    );
  });

  it('treats a clean unload as unloaded and a WARNING as its own report with its location', () => {
    const lines = [
      '@@KVMTEST insmod /modules/w.ko uptime=1.0',
      "[    1.1] w: unknown parameter 'x' ignored",
      '[    1.1] w: starting',
      '[    1.2] ------------[ cut here ]------------',
      '[    1.2] WARNING: CPU: 0 PID: 84 at /src/w.c:23 w_init+0x27/0x1000 [w]',
      '[    1.2] Modules linked in: w(OE+)',
      '[    1.2] RIP: 0010:w_init+0x27/0x1000 [w]',
      '[    1.3] ---[ end trace 0000000000000000 ]---',
      '@@KVMTEST insmod-done rc=0 uptime=1.3',
      '@@KVMTEST rmmod-1 w uptime=1.4',
      '[    1.5] w: bye',
      '@@KVMTEST rmmod-1-done rc=0 uptime=1.5',
      '@@KVMTEST end module=absent tainted=12800 uptime=1.6',
    ].map((text, i) => ({ text, at: i }));
    const summary = summarizeConsole(lines);
    assert.equal(summary.unloaded, true);
    assert.equal(summary.oops.length, 1);
    assert.equal(summary.oops[0].kind, 'WARNING');
    assert.deepEqual(summary.oops[0].rip?.reportedSource, { file: '/src/w.c', line: 23 });
    assert.deepEqual(summary.moduleMessages, ['w: starting', 'w: bye']);
    assert.deepEqual(summary.kernelNotices, ["w: unknown parameter 'x' ignored"]);
    assert.deepEqual(
      decodeTaint(12800).flags.map((f) => [f.letter, f.problem]),
      [
        ['W', true],
        ['O', false],
        ['E', false],
      ],
    );
  });
});

describe('serial console cleaning', () => {
  it('strips the SeaBIOS terminal reset and CSI sequences', () => {
    assert.equal(
      stripTerminalControls('\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)\r'),
      'SeaBIOS (version 1.16.2-debian-1.16.2-1)',
    );
  });

  it('emits whole lines even when an escape sequence or a line is split across chunks', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (const chunk of ['\x1bc\x1b[', '?7lSea', 'BIOS\r\nBooting from ROM..', '[    0.000000] Linux version 6.1\r\n', 'tail']) {
      splitter.push(chunk);
    }
    splitter.flush();
    assert.deepEqual(lines, ['SeaBIOS', 'Booting from ROM..[    0.000000] Linux version 6.1', 'tail']);
  });
});
