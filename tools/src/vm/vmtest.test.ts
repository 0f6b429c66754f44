import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNewc } from './cpio';
import { defaultCacheDir, prepareKernelImage } from './kernel-image';
import { readRelease } from '../../../shared/src/kernel-dir';
import { buildModule } from './module-build';
import { findExecutable, runCommand } from '../../../shared/src/process';
import { QEMU_BINARY, runQemu } from './qemu';
import { FIXTURES, REPO_ROOT, functionLineRange, linesContaining, scratchCopy, testKernelBuildDir } from '../../../test/support/vm';
import type { VmTestResult } from './vmtest';

// End to end with real kbuild, the real Debian kernel image (apt-get download into the default cache)
// and real qemu. Needs: bash scripts/setup-system.sh kbuild vm.
const CLI = path.join(__dirname, '..', 'kmod-vmtest.js');

interface CliRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  json: (VmTestResult & { exitCode: number }) | { exitCode: number; error: string };
}

async function vmtest(moduleDir: string, extraArgs: string[] = [], env?: NodeJS.ProcessEnv): Promise<CliRun> {
  const jsonFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-vmtest-json-')), 'result.json');
  const kdir = extraArgs.includes('--kdir') ? [] : ['--kdir', testKernelBuildDir()];
  const run = await runCommand(process.execPath, [CLI, ...kdir, '--module-dir', moduleDir, '--json', jsonFile, ...extraArgs], { env });
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as CliRun['json'];
  fs.rmSync(path.dirname(jsonFile), { recursive: true, force: true });
  return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, json };
}

function result(run: CliRun): VmTestResult {
  assert.ok(!('error' in run.json), `setup error: ${'error' in run.json ? run.json.error : ''}\n${run.stderr}`);
  return run.json as VmTestResult;
}

describe('kmod-vmtest in qemu', function () {
  this.timeout(300000);
  const scratch: string[] = [];
  const copy = (dir: string, label: string) => {
    const made = scratchCopy(dir, label);
    scratch.push(path.dirname(made));
    return made;
  };
  after(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('the LKMPG hello-3 bug oopses on rmmod and the oops points into hello_3_exit', async () => {
    const moduleDir = copy(path.join(REPO_ROOT, 'examples', 'hello-3'), 'buggy');
    const run = await vmtest(moduleDir);
    const res = result(run);
    assert.equal(run.exitCode, 1, run.stderr);
    assert.equal(res.loaded, true);
    assert.equal(res.unloaded, false);
    assert.equal(res.finalModuleState, 'Unloading');
    assert.ok(res.moduleMessages.includes('Hello, world 3'), res.moduleMessages.join('|'));
    assert.ok(!res.moduleMessages.includes('Goodbye, world 3'), 'the exit function must not have completed');
    const oops = res.oops.find((o) => o.rip?.function === 'hello_3_exit');
    assert.ok(oops, `no oops in hello_3_exit: ${JSON.stringify(res.oops.map((o) => o.line))}`);
    assert.equal(oops.rip?.module, 'hello_3');
    const source = path.join(moduleDir, 'hello-3.c');
    const exit = functionLineRange(source, 'static void __exit hello_3_exit(void)');
    assert.equal(oops.rip?.source?.file, source);
    const line = oops.rip?.source?.line ?? 0;
    assert.ok(line >= exit.first && line <= exit.last, `oops line ${line} is outside hello_3_exit (${exit.first}-${exit.last})`);
    assert.ok(
      res.taint?.flags.some((f) => f.letter === 'D'),
      'taint D (died)',
    );
    assert.match(run.stdout, /RIP: 0010:hello_3_exit\+0x0\/0x1000 \[hello_3\]/, 'console streamed to stdout');
    assert.match(
      run.stdout,
      new RegExp(`hello_3_exit\\+0x0/0x1000 \\[hello_3\\] → ${source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}`),
    );
    assert.ok(!/\x1b/.test(run.stdout), 'no terminal escapes in the output'); // eslint-disable-line no-control-regex
    // The $kmod-vm problem matcher's line on the identifier the analyzer's finding names (the __initdata
    // read), worded as the 6.1 build dir's modpost words it.
    const identifier = fs.readFileSync(source, 'utf8').split('\n')[line - 1].indexOf('hello3_data') + 1;
    const matcher = new RegExp(
      `^${source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:${identifier}-${identifier + 'hello3_data'.length}: error: .*hello_3_exit\\+0x0 .*explained by hello-3\\.c:22: hello_3_exit \\(\\.exit\\.text\\) runs at rmmod, but hello3_data is __initdata.*modpost reports this as cleanup_module -> hello3_data\\. \\[vm\\]$`,
      'm',
    );
    assert.doesNotMatch(run.stdout, /@@KVMTEST/, 'the guest protocol stays out of the output');
    assert.match(run.stdout, /^kmod-vmtest: insmod hello_3$/m, 'the steps of the test in words');
    assert.match(run.stdout, matcher);
  });

  it('the fixed hello-3 loads and unloads cleanly and its messages are captured', async () => {
    const run = await vmtest(copy(path.join(REPO_ROOT, 'examples', 'hello-3-fixed'), 'fixed'), ['--settle', '0.5']);
    const res = result(run);
    assert.equal(run.exitCode, 0, `${res.problems.join('; ')}\n${run.stderr}`);
    assert.equal(res.clean, true);
    assert.equal(res.loaded, true);
    assert.equal(res.unloaded, true);
    assert.deepEqual(res.oops, []);
    const hello = res.moduleMessages.indexOf('Hello, world 3');
    assert.ok(hello >= 0 && res.moduleMessages.indexOf('Goodbye, world 3') > hello, res.moduleMessages.join('|'));
    assert.deepEqual(
      res.taint?.flags.map((f) => f.letter),
      ['O', 'E'],
    );
    const names = res.phases.map((p) => p.name);
    for (const phase of ['build', 'kernel-image', 'initramfs', 'boot', 'insmod', 'settle', 'rmmod-1', 'rmmod-retry-skipped', 'lsmod']) {
      assert.ok(names.includes(phase), `phase ${phase} in ${names.join(',')}`);
    }
    assert.ok(res.wallSeconds > 0 && res.wallSeconds < 300);
  });

  it('passes parameters verbatim (no shell evaluation) and maps a WARNING to its WARN_ON line', async () => {
    const moduleDir = copy(path.join(FIXTURES, 'params-module'), 'params');
    const run = await vmtest(moduleDir, ['--params', 'who="a b $(poweroff -f); `id`" count=7 warn=1', '--scenario', 'insmod,rmmod']);
    const res = result(run);
    assert.equal(run.exitCode, 1, 'a WARNING is a problem');
    assert.ok(res.moduleMessages.includes('kvmtest_params: who=[a b $(poweroff -f); `id`] count=7'), res.moduleMessages.join('|'));
    assert.ok(res.moduleMessages.includes('kvmtest_params: bye'), 'the guest went on after the WARNING');
    const warning = res.oops.find((o) => o.kind === 'WARNING');
    assert.ok(warning?.rip?.source, JSON.stringify(res.oops));
    const source = path.join(moduleDir, 'kvmtest_params.c');
    assert.deepEqual([warning.rip.source.file, warning.rip.source.line], [source, linesContaining(source, 'kvmtest: warning line')[0]]);
    assert.equal(res.unloaded, true);
  });

  it('boots the bzImage too (the fallback when PVH is not possible)', async () => {
    const run = await vmtest(copy(path.join(REPO_ROOT, 'examples', 'hello-3-fixed'), 'bzimage'), ['--boot', 'bzimage', '--settle', '0.5']);
    const res = result(run);
    assert.equal(run.exitCode, 0, `${res.problems.join('; ')}\n${run.stderr}`);
    assert.equal(res.kernel.bootMode, 'bzimage');
    assert.match(res.kernel.image, /vmlinuz-/);
    assert.ok(res.moduleMessages.includes('Goodbye, world 3'));
  });

  it('kills a hung guest at the timeout and reports it', async () => {
    const moduleDir = copy(path.join(FIXTURES, 'params-module'), 'hang');
    const started = Date.now();
    const run = await vmtest(moduleDir, ['--params', 'hang=1', '--timeout', '15']);
    const res = result(run);
    assert.equal(run.exitCode, 1);
    assert.equal(res.timedOut, true);
    assert.equal(res.loaded, false);
    assert.ok(
      res.problems.some((p) => /guest hung: killed after 15 s \(last phase: insmod\)/.test(p)),
      res.problems.join('; '),
    );
    assert.ok(Date.now() - started < 120000);
  });

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'] as const) {
    it(`${signal} to kmod-vmtest while a hung guest runs: ${signal === 'SIGKILL' ? 'qemu goes' : 'qemu and the temp dir go'} with it`, async () => {
      const moduleDir = copy(path.join(FIXTURES, 'params-module'), `signal-${signal}`);
      const before = new Set(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('kmod-vmtest-')));
      const child = spawn(
        process.execPath,
        [CLI, '--kdir', testKernelBuildDir(), '--module-dir', moduleDir, '--params', 'hang=1', '--timeout', '120'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const qemuPids = (): number[] =>
        fs
          .readdirSync('/proc')
          .filter((entry) => /^\d+$/.test(entry))
          .filter((pid) => {
            try {
              return (
                fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(QEMU_BINARY) &&
                fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kmod-vmtest-')
              );
            } catch {
              return false;
            }
          })
          .map(Number);
      // Wait for the guest to be running the module (it hangs in init), then stop the tool.
      const deadline = Date.now() + 90_000;
      while (!/hang|insmod/i.test(output) || qemuPids().length === 0) {
        assert.ok(Date.now() < deadline, `the guest never started: ${output.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const running = qemuPids();
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      if (signal !== 'SIGKILL') assert.equal(code, 128 + os.constants.signals[signal], output.slice(-1000));
      // SIGKILL runs no handler: the kernel tells qemu's guard (setpriv's death signal), a moment later.
      await new Promise((resolve) => setTimeout(resolve, signal === 'SIGKILL' ? 2000 : 500));
      // A killed process whose parent died too may stay a zombie here (PID 1 of a container may not reap): it runs no more.
      const alive = (pid: number): boolean => {
        try {
          return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
        } catch {
          return false;
        }
      };
      assert.deepEqual(running.filter(alive), [], 'qemu is still running');
      const left = fs
        .readdirSync(os.tmpdir())
        .filter((name) => name.startsWith('kmod-vmtest-') && !name.startsWith('kmod-vmtest-json') && !before.has(name));
      // Nothing can remove the temp dir of a process killed outright.
      if (signal === 'SIGKILL') left.forEach((name) => fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true }));
      else assert.deepEqual(left, [], 'temp dirs left behind');
    });
  }

  it('tries KVM when asked and falls back to TCG if KVM cannot boot the guest here', async () => {
    const run = await vmtest(copy(path.join(REPO_ROOT, 'examples', 'hello-3-fixed'), 'kvm'), ['--accel', 'kvm', '--settle', '0.5']);
    const res = result(run);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(res.attempts[0].accel, 'kvm');
    if (res.kernel.accel === 'tcg') {
      assert.ok(res.attempts[0].failure, 'a TCG run after a KVM attempt must record why KVM failed');
      assert.match(run.stderr, /KVM boot failed: /);
    } else {
      assert.equal(res.attempts.length, 1);
    }
  });

  it('reports setup problems with exit code 2 and the package or option to fix them', async () => {
    const moduleDir = copy(path.join(REPO_ROOT, 'examples', 'hello-3-fixed'), 'setup');
    const missingKernel = await vmtest(moduleDir, ['--kernel', '/nonexistent/bzImage']);
    assert.equal(missingKernel.exitCode, 2);
    assert.match('error' in missingKernel.json ? missingKernel.json.error : '', /Kernel image \/nonexistent\/bzImage does not exist/);
    const badBusybox = await vmtest(moduleDir, ['--no-build', '--busybox', '/nonexistent/busybox']);
    assert.equal(badBusybox.exitCode, 2);
    assert.match(badBusybox.stderr, /busybox-static/);
    const badScenario = await vmtest(moduleDir, ['--scenario', 'insmod,reboot']);
    assert.equal(badScenario.exitCode, 2);
    assert.match(badScenario.stderr, /Unknown scenario step\(s\): reboot/);
    // A static binary that is not busybox: /init cannot run, the kernel panics before any module step.
    const notBusybox = await vmtest(moduleDir, ['--no-build', '--busybox', '/sbin/ldconfig', '--accel', 'tcg']);
    assert.equal(notBusybox.exitCode, 2);
    assert.match(notBusybox.stderr, /never ran \/init:\nKernel panic - not syncing: Attempted to kill init!/);
    const noQemu = await vmtest(moduleDir, ['--no-build'], { ...process.env, PATH: '/nonexistent' });
    assert.equal(noQemu.exitCode, 2);
    assert.match(noQemu.stderr, /qemu-system-x86_64 not found[^]*apt-get install --no-install-recommends qemu-system-x86/);
  });

  it('names linux-image-<release> when no kernel image can be found for the build dir', async () => {
    const moduleDir = copy(path.join(REPO_ROOT, 'examples', 'hello-3-fixed'), 'noimage');
    assert.equal((await buildModule(testKernelBuildDir(), moduleDir)).exitCode, 0);
    const fakeKdir = path.join(path.dirname(moduleDir), 'kdir');
    fs.mkdirSync(path.join(fakeKdir, 'include', 'generated'), { recursive: true });
    fs.writeFileSync(path.join(fakeKdir, 'include', 'generated', 'utsrelease.h'), '#define UTS_RELEASE "0.0.0-0-kmodtest-amd64"\n');
    const cache = path.join(path.dirname(moduleDir), 'cache');
    const run = await vmtest(moduleDir, ['--no-build', '--kdir', fakeKdir, '--cache', cache]);
    assert.equal(run.exitCode, 2);
    assert.match(run.stderr, /Could not download linux-image-0\.0\.0-0-kmodtest-amd64[^]*--kernel/);
    assert.match(run.stderr, /apt-get install --no-install-recommends linux-image-0\.0\.0-0-kmodtest-amd64/);
  });
});

describe('runQemu boot deadline', function () {
  this.timeout(180000);

  it('gives up on a guest that prints nothing (how a KVM that opens but never runs looks)', async () => {
    const qemu = findExecutable(QEMU_BINARY);
    assert.ok(qemu, 'qemu-system-x86 is not installed (bash scripts/setup-system.sh vm)');
    const release = readRelease(testKernelBuildDir());
    assert.ok(release);
    const image = await prepareKernelImage({ release, cacheDir: defaultCacheDir(), log: () => undefined });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-deadline-'));
    const initrd = path.join(dir, 'empty.cpio');
    fs.writeFileSync(initrd, writeNewc([{ type: 'dir', name: 'tmp' }]));
    const lines: string[] = [];
    // The kernel console goes to a serial port qemu does not have, so stdout never shows a kernel
    // line; panic=0 keeps the guest alive after the empty initramfs panics (a fast boot must not
    // end qemu before the deadline).
    const run = await runQemu({
      qemu,
      accel: 'tcg',
      kernel: image.vmlinux ?? image.bzImage ?? '',
      initrd,
      memory: '128M',
      append: ['console=ttyS3', 'panic=0'],
      timeoutSeconds: 60,
      bootDeadlineSeconds: 3,
      onLine: (line) => lines.push(line.text),
    });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(run.bootFailure, 'no kernel output within 3 s');
    assert.equal(run.timedOut, false);
    assert.ok(run.wallSeconds < 10, `killed promptly (${run.wallSeconds} s)`);
    assert.ok(!lines.some((l) => /Linux version/.test(l)));
  });
});
