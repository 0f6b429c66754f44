import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  bestGuess,
  compareReleasesDescending,
  defaultKernelBuildDir,
  detectionSummary,
  detectKernelBuildDir,
  headerPackages,
  installedKernelDirs,
  installedKernels,
  isUsableKernelDir,
  readOsId,
  readRelease,
  versionLabel,
} from './kernel-dir';

/** A real directory tree standing in for "/" (no mocks: the detector reads it like the real one). */
class FakeRoot {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-root-'));

  file(relative: string, content = ''): string {
    const full = path.join(this.root, relative);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
    return full;
  }

  /** A build dir as a headers package installs it. */
  headers(relative: string, release: string, upstream = release): string {
    this.file(`${relative}/Makefile`, 'include ../common/Makefile\n');
    this.file(`${relative}/include/generated/utsrelease.h`, `#define UTS_RELEASE "${release}"\n`);
    this.file(`${relative}/include/config/kernel.release`, `${upstream}\n`);
    return path.join(this.root, relative);
  }

  link(relative: string, target: string): void {
    const full = path.join(this.root, relative);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.symlinkSync(target, full);
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

describe('kernel build dir detection', () => {
  let fake: FakeRoot;
  beforeEach(() => (fake = new FakeRoot()));
  afterEach(() => fake.remove());

  it('uses /lib/modules/$(uname -r)/build when it exists', () => {
    const dir = fake.headers('usr/src/linux-headers-6.6.57-amd64', '6.6.57-amd64');
    fake.link('lib/modules/6.6.57-amd64/build', dir);
    fake.headers('usr/src/linux-headers-6.1.0-56-amd64', '6.1.0-56-amd64');
    const result = detectKernelBuildDir({ root: fake.root, runningRelease: '6.6.57-amd64' });
    assert.equal(result.kind, 'found');
    assert.equal(result.kind === 'found' && result.kernelDir.source, 'running-kernel');
    assert.equal(result.kind === 'found' && result.kernelDir.release, '6.6.57-amd64');
    assert.equal(result.kind === 'found' && result.kernelDir.matchesRunningKernel, true);
  });

  it('falls back to the only installed headers (this machine: Debian 6.1 headers, other running kernel) and skips -common', () => {
    const dir = fake.headers('usr/src/linux-headers-6.1.0-56-amd64', '6.1.0-56-amd64', '6.1.192');
    fake.file('usr/src/linux-headers-6.1.0-56-common/Makefile', 'VERSION = 6\n');
    fake.link('lib/modules/6.1.0-56-amd64/build', dir);
    const result = detectKernelBuildDir({ root: fake.root, runningRelease: '6.18.44-fc-v669' });
    assert.equal(result.kind, 'found');
    if (result.kind !== 'found') return;
    assert.equal(result.kernelDir.dir, fs.realpathSync(dir));
    assert.equal(result.kernelDir.release, '6.1.0-56-amd64');
    assert.equal(result.kernelDir.source, 'installed-headers');
    assert.equal(result.kernelDir.matchesRunningKernel, false);
    assert.match(result.note ?? '', /running kernel is 6\.18\.44-fc-v669/);
  });

  it('picks the headers matching the running kernel among several', () => {
    fake.headers('usr/src/linux-headers-6.12.9-amd64', '6.12.9-amd64');
    const matching = fake.headers('usr/src/linux-headers-6.1.0-56-amd64', '6.1.0-56-amd64');
    const result = detectKernelBuildDir({ root: fake.root, runningRelease: '6.1.0-56-amd64' });
    assert.equal(result.kind === 'found' && result.kernelDir.dir, fs.realpathSync(matching));
  });

  it('asks when several headers are installed and none matches, newest first', () => {
    fake.headers('usr/src/linux-headers-6.9.12-amd64', '6.9.12-amd64');
    fake.headers('usr/src/linux-headers-6.10.0-amd64', '6.10.0-amd64');
    fake.headers('usr/src/kernels/6.1.0-1.fc40.x86_64', '6.1.0-1.fc40.x86_64');
    const result = detectKernelBuildDir({ root: fake.root, runningRelease: '7.0.0' });
    assert.equal(result.kind, 'choose');
    assert.deepEqual(result.kind === 'choose' && result.candidates.map((c) => c.release), [
      '6.10.0-amd64',
      '6.9.12-amd64',
      '6.1.0-1.fc40.x86_64',
    ]);
  });

  it('says which headers are in use and why, also when several are installed and none was chosen', () => {
    fake.headers('usr/src/linux-headers-6.12.118+deb12-amd64', '6.12.118+deb12-amd64', '6.12.118');
    const older = fake.headers('usr/src/linux-headers-6.1.0-57-amd64', '6.1.0-57-amd64', '6.1.192');
    const several = detectionSummary(detectKernelBuildDir({ root: fake.root, runningRelease: '6.18.44' }), '6.18.44');
    assert.equal(several.inUse?.release, '6.12.118+deb12-amd64');
    assert.equal(several.why, 'the newest of 2 installed headers; none is for the running kernel (6.18.44)');
    const chosen = detectionSummary(
      detectKernelBuildDir({ root: fake.root, runningRelease: '6.18.44', configured: older }),
      '6.18.44',
      "this workspace's settings",
    );
    assert.deepEqual([chosen.inUse?.release, chosen.why], ['6.1.0-57-amd64', "chosen in this workspace's settings"]);
    const running = detectionSummary(detectKernelBuildDir({ root: fake.root, runningRelease: '6.1.0-57-amd64' }), '6.1.0-57-amd64');
    assert.equal(running.why, 'the headers of the running kernel (6.1.0-57-amd64)');
    assert.equal(
      detectionSummary(detectKernelBuildDir({ root: fake.root, runningRelease: '6.18.44', configured: '/nope' }), '6.18.44').inUse,
      undefined,
    );
  });

  it('names the upstream version only when the release does not say it already', () => {
    assert.equal(versionLabel({ release: '6.1.0-57-amd64', version: '6.1.192' }), 'Linux 6.1.192');
    assert.equal(versionLabel({ release: '6.12.118+deb12-amd64', version: '6.12.118' }), undefined);
    assert.equal(versionLabel({ release: '7.3.0' }), undefined);
  });

  it('kmod-lsp without kmod.kernelBuildDir uses what the extension shows as in use', () => {
    fake.headers('usr/src/linux-headers-6.12.118+deb12-amd64', '6.12.118+deb12-amd64', '6.12.118');
    fake.headers('usr/src/linux-headers-6.1.0-57-amd64', '6.1.0-57-amd64', '6.1.192');
    const extension = detectionSummary(detectKernelBuildDir({ root: fake.root, runningRelease: os.release() }), os.release()).inUse;
    assert.equal(defaultKernelBuildDir(fake.root)?.dir, extension?.dir);
  });

  it('honours kmod.kernelBuildDir, and explains an unusable one', () => {
    const custom = fake.headers('home/u/linux', '7.1.5');
    fake.headers('usr/src/linux-headers-6.1.0-56-amd64', '6.1.0-56-amd64');
    const chosen = detectKernelBuildDir({ root: fake.root, runningRelease: '6.1.0-56-amd64', configured: custom });
    assert.equal(chosen.kind === 'found' && chosen.kernelDir.source, 'setting');
    assert.equal(chosen.kind === 'found' && chosen.kernelDir.release, '7.1.5');
    const missing = detectKernelBuildDir({ root: fake.root, runningRelease: '6.1.0-56-amd64', configured: path.join(fake.root, 'nope') });
    assert.equal(missing.kind, 'invalid-setting', 'an explicit setting is never silently replaced');
    assert.match(missing.kind === 'invalid-setting' ? missing.problem : '', /kmod\.kernelBuildDir \(.*\/nope\) does not exist/);
    assert.equal(missing.kind === 'invalid-setting' && missing.detected.kind, 'found', 'what detection would have found');
    const notKernel = detectKernelBuildDir({
      root: fake.root,
      runningRelease: '6.1.0-56-amd64',
      configured: path.join(fake.root, 'usr/src'),
    });
    assert.match(notKernel.kind === 'invalid-setting' ? notKernel.problem : '', /is not a kernel build directory/);
    assert.equal(bestGuess(notKernel), undefined);
  });

  it('names the package to install when nothing is there', () => {
    fake.file('usr/src/linux-headers-6.1.0-56-common/Makefile');
    fake.file('etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
    const result = detectKernelBuildDir({ root: fake.root, runningRelease: '6.18.44-fc-v669', osId: readOsId(fake.root), arch: 'x64' });
    assert.equal(result.kind, 'none');
    assert.deepEqual(result.kind === 'none' && result.packages, ['linux-headers-6.18.44-fc-v669', 'linux-headers-amd64']);
    assert.match(result.kind === 'none' ? result.problems.join('\n') : '', /lib\/modules\/6\.18\.44-fc-v669\/build does not exist/);
    assert.deepEqual(headerPackages('ubuntu', '6.8.0-45-generic', 'x64'), ['linux-headers-6.8.0-45-generic', 'linux-headers-generic']);
    assert.deepEqual(headerPackages('fedora', '6.9.4-200.fc40.x86_64', 'x64'), ['kernel-devel-6.9.4-200.fc40.x86_64', 'kernel-devel']);
  });

  it("reads the release from utsrelease.h (Debian's kernel.release holds the upstream version)", () => {
    const dir = fake.headers('usr/src/linux-headers-6.1.0-56-amd64', '6.1.0-56-amd64', '6.1.192');
    assert.equal(readRelease(dir), '6.1.0-56-amd64');
    fs.rmSync(path.join(dir, 'include/generated'), { recursive: true });
    assert.equal(readRelease(dir), '6.1.0-56-amd64', 'from the directory name');
    assert.equal(isUsableKernelDir(dir), true, 'kernel.release alone is enough');
    assert.equal(isUsableKernelDir(path.join(fake.root, 'usr/src')), false);
  });

  it('lists each installed dir once even when /lib/modules/*/build links to it', () => {
    const dir = fake.headers('usr/src/linux-headers-6.1.0-56-amd64', '6.1.0-56-amd64');
    fake.link('lib/modules/6.1.0-56-amd64/build', dir);
    assert.deepEqual(installedKernelDirs(fake.root), [fs.realpathSync(dir)]);
  });

  it('lists every installed kernel with its release and version, newest first (the picker shows them all)', () => {
    fake.headers('usr/src/linux-headers-6.1.0-56-amd64', '6.1.0-56-amd64', '6.1.192');
    fake.headers('usr/src/linux-headers-6.12.118+deb12-amd64', '6.12.118+deb12-amd64', '6.12.118');
    const kernels = installedKernels(fake.root, '6.1.0-56-amd64');
    assert.deepEqual(
      kernels.map((k) => [k.release, k.version, k.matchesRunningKernel]),
      [
        ['6.12.118+deb12-amd64', '6.12.118', false],
        ['6.1.0-56-amd64', '6.1.0', true],
      ],
    );
  });

  it('orders releases numerically', () => {
    assert.ok(compareReleasesDescending('6.10.0', '6.9.12') < 0);
    assert.ok(compareReleasesDescending('6.1.0-56-amd64', '6.1.0-9-amd64') < 0);
  });

  it("finds this machine's installed headers (kbuild tier: linux-headers-amd64) [system]", () => {
    const result = detectKernelBuildDir({ root: '/', runningRelease: os.release(), osId: readOsId('/'), arch: process.arch });
    const dirs = result.kind === 'found' ? [result.kernelDir] : result.kind === 'choose' ? result.candidates : [];
    assert.ok(dirs.length > 0, 'no kernel headers found: run bash scripts/setup-system.sh kbuild');
    for (const k of dirs) {
      assert.ok(isUsableKernelDir(k.dir));
      assert.match(
        fs.readFileSync(path.join(k.dir, 'include/generated/utsrelease.h'), 'utf8'),
        new RegExp(`"${k.release.replace(/[.+]/g, '\\$&')}"`),
      );
    }
  });
});
