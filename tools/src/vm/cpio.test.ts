import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNewc, writeNewc } from './cpio';
import { DEFAULT_BUSYBOX, buildInitramfs, splitModuleParams } from './initramfs';
import { GUEST_INIT_SCRIPT } from './guest-init';

const S_IFMT = 0o170000;

describe('newc cpio writer', () => {
  it('round-trips directories, files of every padding length, symlinks and device nodes', () => {
    const files = [0, 1, 2, 3, 4, 5].map((size) => ({
      type: 'file' as const,
      name: `d/f${'x'.repeat(size)}`,
      data: Buffer.alloc(size, size + 65),
    }));
    const archive = writeNewc([
      { type: 'dir', name: 'd' },
      ...files,
      { type: 'symlink', name: 'd/link', target: '../bin/busybox' },
      { type: 'chardev', name: 'dev/console', major: 5, minor: 1 },
      { type: 'file', name: 'init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    ]);
    assert.equal(archive.length % 4, 0);
    const entries = readNewc(archive);
    assert.deepEqual(
      entries.map((e) => e.name),
      ['d', ...files.map((f) => f.name), 'd/link', 'dev/console', 'init'],
    );
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.equal(byName.get('d')?.mode, 0o040755);
    for (const file of files) {
      assert.deepEqual(byName.get(file.name)?.data, file.data);
      assert.equal(byName.get(file.name)?.mode, 0o100644);
    }
    assert.equal(byName.get('d/link')?.data.toString(), '../bin/busybox');
    assert.equal((byName.get('d/link')?.mode ?? 0) & S_IFMT, 0o120000);
    const consoleNode = byName.get('dev/console');
    assert.equal(consoleNode?.mode, 0o020600);
    assert.equal(consoleNode?.rdevmajor, 5);
    assert.equal(consoleNode?.rdevminor, 1);
    assert.equal(byName.get('init')?.mode, 0o100755);
    assert.ok(
      entries.every((e) => e.uid === 0 && e.gid === 0),
      'owned by root without needing root',
    );
  });

  it('ends with the TRAILER!!! record and rejects corrupted archives', () => {
    const archive = writeNewc([{ type: 'dir', name: 'x' }]);
    assert.match(archive.toString('latin1'), /TRAILER!!!\0/);
    const corrupted = Buffer.from(archive);
    corrupted.write('070707', 0, 'ascii'); // the old binary-ish "odc" magic
    assert.throws(() => readNewc(corrupted), /bad magic/);
    assert.throws(() => readNewc(archive.subarray(0, archive.length - 20)), /truncated/);
    assert.throws(() => writeNewc([{ type: 'dir', name: '/abs' }]), /bad entry name/);
  });
});

describe('test initramfs', () => {
  it('holds busybox, /init, the module, dev/console and the inputs as plain lines', function () {
    if (!fs.existsSync(DEFAULT_BUSYBOX)) throw new Error('busybox-static is not installed (bash scripts/setup-system.sh vm)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-initramfs-'));
    const koFile = path.join(dir, 'my-mod.ko');
    fs.writeFileSync(koFile, Buffer.from('not really an ELF, the initramfs does not care'));
    const params = splitModuleParams('who="a b $(reboot)" count=7');
    const archive = buildInitramfs({
      koFile,
      moduleName: 'my_mod',
      params,
      settleSeconds: 0.5,
      scenario: ['insmod', 'settle', 'rmmod'],
      busybox: DEFAULT_BUSYBOX,
    });
    const entries = new Map(readNewc(archive).map((e) => [e.name, e]));
    assert.equal(entries.get('dev/console')?.rdevmajor, 5);
    assert.equal(entries.get('dev/console')?.rdevminor, 1);
    assert.deepEqual(entries.get('bin/busybox')?.data, fs.readFileSync(DEFAULT_BUSYBOX));
    assert.equal(entries.get('init')?.data.toString(), GUEST_INIT_SCRIPT);
    assert.equal(entries.get('init')?.mode, 0o100755);
    assert.deepEqual(entries.get('modules/my-mod.ko')?.data, fs.readFileSync(koFile));
    assert.equal(entries.get('kvmtest/module-file')?.data.toString(), '/modules/my-mod.ko\n');
    assert.equal(entries.get('kvmtest/module-name')?.data.toString(), 'my_mod\n');
    assert.equal(entries.get('kvmtest/settle')?.data.toString(), '0.5\n');
    assert.equal(entries.get('kvmtest/params')?.data.toString(), 'who="a b $(reboot)"\ncount=7\n');
    assert.equal(entries.get('kvmtest/scenario')?.data.toString(), 'insmod\nsettle\nrmmod\n');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects unknown scenario steps and a dynamically linked busybox', () => {
    const base = { koFile: '/dev/null', moduleName: 'm', params: [], settleSeconds: 1, busybox: DEFAULT_BUSYBOX };
    assert.throws(() => buildInitramfs({ ...base, scenario: ['insmod', 'reboot'] }), /Unknown scenario step\(s\): reboot/);
    // /bin/sh (dash) needs ld.so, which the initramfs does not have
    assert.throws(() => buildInitramfs({ ...base, scenario: ['insmod'], busybox: fs.realpathSync('/bin/sh') }), /busybox-static/);
  });
});

describe('module parameter splitting', () => {
  it('splits on blanks outside double quotes and keeps the quotes for the kernel parser', () => {
    assert.deepEqual(splitModuleParams('a=1  b=2'), ['a=1', 'b=2']);
    assert.deepEqual(splitModuleParams(' msg="two words" n=3 '), ['msg="two words"', 'n=3']);
    assert.deepEqual(splitModuleParams(''), []);
    assert.throws(() => splitModuleParams('msg="open'), /unbalanced/i);
    assert.throws(() => splitModuleParams('a=1\nrm -rf /'), /newlines/);
  });
});
