import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtForRelease, hostLoadProblem, loadProblem, parseCommandOutcome, readModinfoStrings } from './module-load';

/** A minimal ELF64 little-endian relocatable with a .modinfo section, laid out as the kernel's are. */
function elfWithModinfo(modinfo: string[]): Buffer {
  const info = Buffer.from(`${modinfo.join('\0')}\0`, 'utf8');
  const names = Buffer.from('\0.modinfo\0.shstrtab\0', 'latin1');
  const infoAt = 64;
  const namesAt = infoAt + info.length;
  const shoff = Math.ceil((namesAt + names.length) / 8) * 8;
  const sections = [
    { name: 0, offset: 0, size: 0 },
    { name: 1, offset: infoAt, size: info.length },
    { name: 10, offset: namesAt, size: names.length },
  ];
  const out = Buffer.alloc(shoff + sections.length * 64);
  out.writeUInt32BE(0x7f454c46, 0);
  out[4] = 2; // ELFCLASS64
  out[5] = 1; // ELFDATA2LSB
  out[6] = 1;
  out.writeUInt16LE(1, 0x10); // ET_REL
  out.writeUInt16LE(62, 0x12); // x86-64
  out.writeBigUInt64LE(BigInt(shoff), 0x28);
  out.writeUInt16LE(64, 0x34);
  out.writeUInt16LE(64, 0x3a);
  out.writeUInt16LE(sections.length, 0x3c);
  out.writeUInt16LE(2, 0x3e);
  info.copy(out, infoAt);
  names.copy(out, namesAt);
  sections.forEach((section, i) => {
    const at = shoff + i * 64;
    out.writeUInt32LE(section.name, at);
    out.writeBigUInt64LE(BigInt(section.offset), at + 0x18);
    out.writeBigUInt64LE(BigInt(section.size), at + 0x20);
  });
  return out;
}

describe('can this module be loaded here', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-load-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const ko = (vermagic: string) => {
    const file = path.join(dir, 'hello-3.ko');
    fs.writeFileSync(file, elfWithModinfo(['license=GPL', 'name=hello_3', `vermagic=${vermagic}`]));
    return file;
  };
  /** A stand-in for "/" with the files the kernel shows when it loads modules. */
  const root = (procModules: boolean, disabled = '0') => {
    const fake = path.join(dir, 'root');
    fs.mkdirSync(path.join(fake, 'proc/sys/kernel'), { recursive: true });
    if (procModules) fs.writeFileSync(path.join(fake, 'proc/modules'), 'e1000 155648 0 - Live 0xffffffffc0201000\n');
    fs.writeFileSync(path.join(fake, 'proc/sys/kernel/modules_disabled'), `${disabled}\n`);
    return fake;
  };

  it('reads the release a .ko was built for from its .modinfo vermagic', () => {
    const file = ko('6.1.0-57-amd64 SMP preempt mod_unload modversions ');
    assert.equal(readModinfoStrings(file).get('name'), 'hello_3');
    assert.equal(builtForRelease(file), '6.1.0-57-amd64');
    fs.writeFileSync(path.join(dir, 'not-elf.ko'), 'obj-m += x.o\n');
    assert.equal(builtForRelease(path.join(dir, 'not-elf.ko')), undefined);
    assert.equal(builtForRelease(path.join(dir, 'missing.ko')), undefined);
  });

  it('a kernel without loadable-module support, or with loading switched off, cannot load any module', () => {
    const file = ko('6.18.44 SMP mod_unload ');
    assert.equal(loadProblem(file, '6.18.44', root(false))?.kind, 'no-module-support');
    assert.match(hostLoadProblem('6.18.44', root(false))?.message ?? '', /cannot load modules.*no \/proc\/modules/);
    assert.equal(loadProblem(file, '6.18.44', root(true, '1'))?.kind, 'modules-disabled');
    assert.equal(loadProblem(file, '6.18.44', root(true)), undefined);
  });

  it('a module built for another kernel is refused before insmod would be', () => {
    const problem = loadProblem(ko('6.1.0-57-amd64 SMP preempt mod_unload modversions '), '6.18.44', root(true));
    assert.equal(problem?.kind, 'other-kernel');
    assert.equal(
      problem?.message,
      'hello-3.ko was built for 6.1.0-57-amd64, but the running kernel is 6.18.44: insmod would refuse it ("Invalid module format"). ' +
        "Build it with the running kernel's headers, or test it in a VM running 6.1.0-57-amd64.",
    );
  });

  it("this machine's answer agrees with /proc/modules [system]", () => {
    assert.equal(hostLoadProblem(os.release())?.kind === 'no-module-support', !fs.existsSync('/proc/modules'));
  });

  it('reads the outcome kmod-run writes, and nothing else', () => {
    assert.deepEqual(parseCommandOutcome('{"exitCode":1,"messages":["a",2]}'), { exitCode: 1, messages: ['a'] });
    assert.equal(parseCommandOutcome('{"exitCode":"1"}'), undefined);
    assert.equal(parseCommandOutcome('not json'), undefined);
    assert.equal(parseCommandOutcome(undefined), undefined);
  });
});
