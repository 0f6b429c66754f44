// End to end with the machine's real dmesg/journalctl: what kmsg-follow shows and that it never hangs.

import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DMESG_FOLLOW, parseFollowArgs, type FollowOptions } from './kmsg-follow';

const FOLLOWER = path.join(__dirname, 'kmsg-follow.js');
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const isRoot = process.getuid?.() === 0;

interface Follow {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function follow(args: string[], asNobody = false): Follow {
  const argv = [...(asNobody ? NOBODY : []), process.execPath, FOLLOWER, ...args];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Children of a process (from /proc). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('kmsg-follow (real kernel log) [system]', function () {
  this.timeout(30_000);

  it('filters the live kernel log to one module and stops cleanly on SIGTERM', async function () {
    const probe = spawnSync('dmesg', [], { encoding: 'utf8' });
    if (probe.status !== 0) {
      // Unprivileged on a dmesg_restrict=1 machine: the restricted path is what must work.
      assert.match(probe.stderr, /Operation not permitted/);
      const run = follow(['--privilege-helper', 'none', '--module', 'hello_3']);
      assert.equal(await run.exit, 1);
      assert.match(run.stderr(), /kernel\.dmesg_restrict = 1/);
      return;
    }
    // A message this kernel has logged, used as the module's "printk text".
    const known =
      /\]\s(Linux version \S+)/.exec(probe.stdout)?.[1] ??
      probe.stdout
        .split('\n')[0]
        .replace(/^\[[^\]]*\]\s*/, '')
        .slice(0, 20);
    const run = follow(['--privilege-helper', 'none', ...(isRoot ? ['--root'] : []), '--module', 'kmod_tools_test', '--match', known]);
    await waitFor(() => run.stdout().includes(known), 10_000, `"${known}" in the filtered log`);
    if (isRoot) {
      // Root can log a line of "our" module and see it arrive while following.
      const injected = `kmod_tools_test: follow probe ${process.pid}-${Date.now()}`;
      fs.writeFileSync('/dev/kmsg', `${injected}\n`);
      await waitFor(() => run.stdout().includes(injected), 10_000, 'the injected kernel log line');
    }
    const dmesgChildren = childrenOf(run.child.pid!);
    assert.equal(dmesgChildren.length, 1, 'one dmesg child');
    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 130);
    const printed = run.stdout().trimEnd().split('\n');
    // Earlier runs' probe lines name the module too, so they belong to the filtered log as well.
    for (const line of printed) assert.ok(line.includes(known) || /\bkmod_tools_test\b/.test(line), `unfiltered line: ${line}`);
    assert.ok(
      !fs.existsSync(`/proc/${dmesgChildren[0]}`) || fs.readFileSync(`/proc/${dmesgChildren[0]}/stat`, 'utf8').includes(') Z '),
      'dmesg survived',
    );
  });

  it('starts at now by default and at boot with --from=boot', async function () {
    const probe = spawnSync('dmesg', [], { encoding: 'utf8' });
    // Unprivileged under dmesg_restrict nothing is readable: the restricted test covers that path.
    assert.ok(probe.status === 0 || /Operation not permitted/.test(probe.stderr), probe.stderr);
    if (probe.status !== 0) return;
    const earlier = probe.stdout.split('\n')[0].replace(/^\[[^\]]*\]\s*/, '');
    const now = follow(['--privilege-helper', 'none', ...(isRoot ? ['--root'] : [])]);
    const boot = follow(['--privilege-helper', 'none', ...(isRoot ? ['--root'] : []), '--from=boot']);
    try {
      await waitFor(() => boot.stdout().includes(earlier), 10_000, `the first line of the buffer ("${earlier}") in the whole log`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (isRoot) {
        // Root can log a line and see it arrive in the log that starts at now.
        const after = `kmod_tools_test: after ${process.pid}-${Date.now()}`;
        fs.writeFileSync('/dev/kmsg', `${after}\n`);
        await waitFor(() => now.stdout().includes(after), 10_000, 'the new line in the log that starts at now');
      }
      assert.ok(!now.stdout().includes(earlier), `the log that starts at now showed an earlier line:\n${now.stdout()}`);
    } finally {
      now.child.kill('SIGTERM');
      boot.child.kill('SIGTERM');
      await Promise.all([now.exit, boot.exit]);
    }
  });

  it('explains kernel.dmesg_restrict and ends (no hang) when no log source works for an unprivileged user', async function () {
    const restrict = fs.readFileSync('/proc/sys/kernel/dmesg_restrict', 'utf8').trim();
    const asNobody = isRoot;
    const probe = spawnSync(asNobody ? NOBODY[0] : 'dmesg', asNobody ? [...NOBODY.slice(1), 'dmesg'] : [], { encoding: 'utf8' });
    const run = follow(['--privilege-helper', 'none'], asNobody);
    if (probe.status === 0) {
      // dmesg_restrict=0 (or a privileged user): the log simply streams.
      assert.equal(restrict === '0' || !asNobody, true);
      await waitFor(() => run.stdout().length > 0, 10_000, 'kernel log output');
      run.child.kill('SIGTERM');
      assert.equal(await run.exit, 130);
      return;
    }
    const code = await Promise.race([run.exit, new Promise<string>((r) => setTimeout(() => r('hang'), 20_000))]);
    if (code === 'hang') run.child.kill('SIGKILL');
    assert.notEqual(code, 'hang', `kmsg-follow hung:\n${run.stderr()}`);
    assert.equal(code, 1);
    const err = run.stderr();
    assert.match(err, /^dmesg: read kernel buffer failed: Operation not permitted$/m);
    assert.match(
      err,
      /^kmod: Reading the kernel log needs privileges here \(kernel\.dmesg_restrict = 1\)\. Set kmod\.privilegeHelper .*sysctl kernel\.dmesg_restrict=0$/m,
    );
    assert.match(err, /^kmod: dmesg did not work; trying journalctl -k -f/m);
    assert.match(err, /^kmod: no kernel log source worked/m);
  });

  it('reads its options', () => {
    assert.deepEqual(parseFollowArgs(['--privilege-helper', 'pkexec', '--module', 'm', '--match', 'a', '--match=--x']), {
      privilegeHelper: 'pkexec',
      isRoot: false,
      module: 'm',
      matches: ['a', '--x'],
      from: 'boot',
    });
    assert.equal((parseFollowArgs([]) as FollowOptions).from, 'now', 'the whole log starts at now');
    assert.equal((parseFollowArgs(['--from=boot']) as FollowOptions).from, 'boot');
    assert.equal(typeof parseFollowArgs(['--from=yesterday']), 'string');
    assert.equal(typeof parseFollowArgs(['--privilege-helper', 'su']), 'string');
    assert.equal(typeof parseFollowArgs(['--bogus']), 'string');
    assert.equal(typeof parseFollowArgs(['--match', '--x']), 'string', 'a value that looks like an option must be written --match=--x');
    assert.deepEqual(DMESG_FOLLOW, ['dmesg', '--follow', '--ctime']);
  });
});
