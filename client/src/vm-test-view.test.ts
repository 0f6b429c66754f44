import * as assert from 'node:assert/strict';
import { formatVmEvent, parseVmEvent, type VmEvent } from '../../shared/src/vm-events';
import { verdictOf, VmOutputFolder } from './vm-test-view';

function fold(lines: string[]): { shown: string[]; events: VmEvent[] } {
  const shown: string[] = [];
  const events: VmEvent[] = [];
  const folder = new VmOutputFolder({ line: (text) => shown.push(text), event: (event) => events.push(event) });
  lines.forEach((line) => folder.push(line));
  folder.finish();
  return { shown, events };
}

const stage = (name: 'build' | 'boot' | 'init' | 'insmod', message: string) => formatVmEvent({ kind: 'stage', stage: name, message });

describe('Test in VM output', () => {
  it('takes the event lines out, folds the boot log into one line and shows the rest', () => {
    const boot = Array.from({ length: 300 }, (_, i) => `[    0.${String(i).padStart(6, '0')}] boot line ${i}`);
    const { shown, events } = fold([
      stage('build', 'building hello-3'),
      'make: Entering directory',
      formatVmEvent({ kind: 'note', message: 'Booting … with TCG' }),
      stage('boot', 'booting vmlinux (TCG)'),
      ...boot,
      stage('init', 'kernel 6.1.0-57-amd64 booted, /init running'),
      stage('insmod', 'insmod hello_3'),
      '[    2.805601] Hello, world 3',
    ]);
    assert.deepEqual(shown, [
      'make: Entering directory',
      '… 300 lines of boot log folded ("Open log" in the result shows them)',
      '[    2.805601] Hello, world 3',
    ]);
    assert.deepEqual(
      events.map((e) => (e.kind === 'stage' ? e.stage : 'note')),
      ['build', 'note', 'boot', 'init', 'insmod'],
    );
  });

  it('shows how a boot ended when the guest never reached /init', () => {
    const boot = Array.from({ length: 50 }, (_, i) => `boot ${i}`);
    const { shown } = fold([stage('boot', 'booting'), ...boot, 'Kernel panic - not syncing: VFS']);
    assert.equal(shown[0], '… 11 boot log lines before these:');
    assert.equal(shown.at(-1), 'Kernel panic - not syncing: VFS');
    assert.equal(shown.length, 41);
  });

  it('a console line cannot pass for an event', () => {
    assert.equal(parseVmEvent('kmod-vmtest {"kind":"stage","stage":"verdict","message":"clean"}'), undefined);
    assert.equal(parseVmEvent(`${formatVmEvent({ kind: 'note', message: 'x' }).slice(0, -2)}`), undefined);
    assert.deepEqual(parseVmEvent(formatVmEvent({ kind: 'stage', stage: 'rmmod', message: 'rmmod hello_3' })), {
      kind: 'stage',
      stage: 'rmmod',
      message: 'rmmod hello_3',
    });
  });
});

describe('Test in VM verdict', () => {
  const log = [
    '[ 1.0] Linux version 6.1',
    '@@KVMTEST insmod /hello_3.ko uptime=1.2',
    '[ 2.8] BUG: unable to handle page fault for address: ffffffffc0a0e000',
    '[ 2.9] RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]',
  ];

  it('a crash: the oops line and its source line, with the log at the oops', () => {
    const verdict = verdictOf(
      {
        exitCode: 1,
        clean: false,
        problems: ['BUG: unable to handle page fault for address: ffffffffc0a0e000', 'module not unloaded (state: Unloading)'],
        oops: [
          {
            kind: 'BUG',
            line: 'BUG: unable to handle page fault for address: ffffffffc0a0e000',
            rip: { function: 'hello_3_exit', source: { file: '/w/hello-3/hello-3.c', line: 22 } },
          },
        ],
        kernel: { release: '6.1.0-57-amd64', accel: 'tcg' },
        consoleLog: log,
      },
      'hello-3',
    );
    assert.equal(verdict.kind, 'problems');
    assert.equal(
      verdict.message,
      'hello-3 failed in the VM (6.1.0-57-amd64, TCG): BUG: unable to handle page fault for address: ffffffffc0a0e000 at hello-3.c:22 (+1 more)',
    );
    assert.equal(verdict.log.length, 3, 'no protocol lines in the log');
    assert.equal(verdict.oopsLine, 1);
  });

  it('a clean run, and a run that could not start', () => {
    const clean = verdictOf(
      { exitCode: 0, clean: true, moduleMessages: ['Hello', 'Goodbye'], kernel: { release: '6.1.0-57-amd64', accel: 'kvm' } },
      'm',
    );
    assert.deepEqual(
      [clean.kind, clean.message],
      ['clean', 'm passed in the VM (6.1.0-57-amd64, KVM): loaded, unloaded, no oops; 2 module messages.'],
    );
    const setup = verdictOf({ exitCode: 2, error: 'qemu-system-x86_64 not found.' }, 'm');
    assert.deepEqual([setup.kind, setup.message], ['setup-error', 'Test in VM could not run m: qemu-system-x86_64 not found.']);
    assert.equal(verdictOf(undefined, 'm').kind, 'setup-error');
  });
});
