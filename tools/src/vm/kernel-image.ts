// Finds a kernel image to boot for a given release, without touching the host's /boot or package state:
// a user-given file, a cached copy, /boot/vmlinuz-<release>, or Debian's linux-image-<release> .deb
// fetched with `apt-get download` and unpacked with dpkg-deb. The compressed payload is then
// decompressed once into an ELF vmlinux (cached per release) so qemu can boot it through PVH.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { isElf, fileIsElf } from './elf';
import { SetupError } from './errors';
import { findExecutable, onTermination, runCommand } from '../../../shared/src/process';

export interface KernelImage {
  release: string;
  /** Uncompressed ELF kernel for qemu's PVH entry (fast: no firmware, no decompressor). */
  vmlinux?: string;
  /** Compressed bzImage, the fallback when PVH boot is not possible. */
  bzImage?: string;
  /** Where the image came from, for the log. */
  origin: string;
}

export interface KernelImageOptions {
  release: string;
  cacheDir: string;
  /** A user-chosen bzImage or vmlinux. */
  kernelFile?: string;
  log: (message: string) => void;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'kmod-tools', 'vm');
}

export const debianImagePackage = (release: string) => `linux-image-${release}`;

/** Payload formats a bzImage may carry, with the command that decompresses a stream starting at the magic. */
const PAYLOAD_DECOMPRESSORS: readonly { format: string; magic: Buffer; command: string; args: string[]; debianPackage: string }[] = [
  {
    format: 'xz',
    magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
    command: 'xz',
    args: ['-dc', '--single-stream'],
    debianPackage: 'xz-utils',
  },
  { format: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), command: 'zstd', args: ['-dcq'], debianPackage: 'zstd' },
  { format: 'gzip', magic: Buffer.from([0x1f, 0x8b, 0x08]), command: 'gzip', args: ['-dcq'], debianPackage: 'gzip' },
];

/** The release string in a bzImage's setup header ("6.1.0-56-amd64 (debian-kernel@…) #1 SMP …"), if any. */
export function readBzImageRelease(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const setup = Buffer.alloc(0x8000);
    const length = fs.readSync(fd, setup, 0, setup.length, 0);
    if (length < 0x210 || setup.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
    const versionOffset = setup.readUInt16LE(0x20e) + 0x200;
    if (versionOffset >= length) return undefined;
    const end = setup.indexOf(0, versionOffset);
    return setup.toString('latin1', versionOffset, end < 0 ? length : end).split(' ')[0] || undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export async function prepareKernelImage(options: KernelImageOptions): Promise<KernelImage> {
  const { release, cacheDir, kernelFile, log } = options;
  if (kernelFile) return prepareUserKernel(kernelFile, release, cacheDir, log);

  const releaseDir = path.join(cacheDir, release);
  fs.mkdirSync(releaseDir, { recursive: true });
  const bzImage =
    findReadable([path.join(releaseDir, `vmlinuz-${release}`), `/boot/vmlinuz-${release}`]) ??
    (await downloadDebianImage(release, releaseDir, log));
  const vmlinux = await extractVmlinuxCached(bzImage, path.join(releaseDir, 'vmlinux'), log);
  return { release, bzImage, vmlinux, origin: bzImage };
}

async function prepareUserKernel(kernelFile: string, release: string, cacheDir: string, log: (m: string) => void): Promise<KernelImage> {
  if (!fs.existsSync(kernelFile)) throw new SetupError(`Kernel image ${kernelFile} does not exist.`);
  if (fileIsElf(kernelFile)) return { release, vmlinux: kernelFile, origin: kernelFile };
  const imageRelease = readBzImageRelease(kernelFile);
  if (imageRelease && imageRelease !== release) {
    log(
      `warning: ${kernelFile} is kernel ${imageRelease} but the module is built for ${release}; insmod will likely refuse it (vermagic).`,
    );
  }
  const digest = createHash('sha256').update(fs.readFileSync(kernelFile)).digest('hex').slice(0, 16);
  const vmlinux = await extractVmlinuxCached(kernelFile, path.join(cacheDir, 'custom', digest, 'vmlinux'), log);
  return { release, bzImage: kernelFile, vmlinux, origin: kernelFile };
}

function findReadable(candidates: readonly string[]): string | undefined {
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.R_OK);
      return fs.statSync(file).size > 0;
    } catch {
      return false;
    }
  });
}

/** apt-get download + dpkg-deb --fsys-tarfile | tar -x ./boot/vmlinuz-<release>: no install, no root needed. */
async function downloadDebianImage(release: string, releaseDir: string, log: (m: string) => void): Promise<string> {
  const pkg = debianImagePackage(release);
  for (const tool of ['apt-get', 'dpkg-deb', 'tar']) {
    if (!findExecutable(tool)) {
      throw new SetupError(
        `No kernel image for ${release}: ${tool} is missing, so ${pkg} cannot be fetched. Pass --kernel <bzImage|vmlinux>.`,
      );
    }
  }
  const workDir = fs.mkdtempSync(path.join(releaseDir, 'download-'));
  const forgetWorkDir = onTermination(() => fs.rmSync(workDir, { recursive: true, force: true }));
  try {
    log(`Fetching ${pkg} with apt-get download (not installed; only /boot/vmlinuz-${release} is unpacked into ${releaseDir})`);
    const download = await runCommand('apt-get', ['download', pkg], { cwd: workDir });
    const deb = fs.readdirSync(workDir).find((name) => name.endsWith('.deb'));
    if (download.exitCode !== 0 || !deb) {
      throw new SetupError(
        `Could not download ${pkg} (apt-get download exited ${download.exitCode}):\n${download.stderr.trim()}\n` +
          `Run 'apt-get update', or install ${pkg} so /boot/vmlinuz-${release} exists, or pass --kernel <bzImage|vmlinux>.`,
        [pkg],
      );
    }
    const member = `./boot/vmlinuz-${release}`;
    await pipeCommands(['dpkg-deb', '--fsys-tarfile', path.join(workDir, deb)], ['tar', '-x', '-C', workDir, member]);
    const extracted = path.join(workDir, 'boot', `vmlinuz-${release}`);
    if (!fs.existsSync(extracted)) throw new SetupError(`${deb} does not contain ${member}.`);
    const target = path.join(releaseDir, `vmlinuz-${release}`);
    fs.renameSync(extracted, target);
    return target;
  } finally {
    forgetWorkDir();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs `first | second` without a shell; rejects when either fails. */
function pipeCommands(first: readonly string[], second: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const producer = spawn(first[0], first.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const consumer = spawn(second[0], second.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
    producer.stdout.pipe(consumer.stdin);
    const errors: string[] = [];
    producer.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
    consumer.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
    let pending = 2;
    const statuses: string[] = [];
    const done = (name: string) => (code: number | null) => {
      if (code !== 0) statuses.push(`${name} exited ${code}`);
      if (--pending === 0) {
        if (statuses.length)
          reject(new SetupError(`${first[0]} | ${second[0]} failed (${statuses.join(', ')}): ${errors.join('').trim()}`));
        else resolve();
      }
    };
    producer.on('error', reject).on('close', done(first[0]));
    consumer.on('error', reject).on('close', done(second[0]));
  });
}

async function extractVmlinuxCached(bzImage: string, target: string, log: (m: string) => void): Promise<string | undefined> {
  if (fs.existsSync(target) && fileIsElf(target)) return target;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const started = Date.now();
  const vmlinux = await extractVmlinux(bzImage, target);
  if (vmlinux) log(`Extracted ELF vmlinux for PVH boot into ${target} (${((Date.now() - started) / 1000).toFixed(1)} s, cached)`);
  else log(`Could not extract an ELF vmlinux from ${bzImage}; booting the bzImage instead (slower).`);
  return vmlinux;
}

/**
 * Decompresses the kernel payload of a bzImage into `target`: tries every occurrence of each
 * known compression magic and keeps the first output that is an ELF file.
 */
export async function extractVmlinux(bzImage: string, target: string): Promise<string | undefined> {
  const image = fs.readFileSync(bzImage);
  for (const decompressor of PAYLOAD_DECOMPRESSORS) {
    if (!findExecutable(decompressor.command)) continue;
    for (let at = image.indexOf(decompressor.magic); at >= 0; at = image.indexOf(decompressor.magic, at + 1)) {
      const partial = `${target}.${process.pid}.part`;
      const forget = onTermination(() => fs.rmSync(partial, { force: true }));
      try {
        const ok = await decompressFrom(bzImage, at, decompressor.command, decompressor.args, partial);
        if (ok) {
          fs.renameSync(partial, target);
          return target;
        }
        fs.rmSync(partial, { force: true });
      } finally {
        forget();
      }
    }
  }
  return undefined;
}

/** Streams the file from `offset` into the decompressor; true when the output starts like an ELF file. */
function decompressFrom(file: string, offset: number, command: string, args: readonly string[], output: string): Promise<boolean> {
  return new Promise((resolve) => {
    const out = fs.openSync(output, 'w');
    const child = spawn(command, args, { stdio: ['pipe', out, 'ignore'] });
    const input = fs.createReadStream(file, { start: offset });
    const stdin = child.stdin as Writable; // stdio[0] is 'pipe'
    input.pipe(stdin);
    // The decompressor stops reading after the stream ends; the rest of the bzImage is not needed.
    stdin.on('error', () => undefined);
    child.on('error', () => {
      fs.closeSync(out);
      resolve(false);
    });
    child.on('close', () => {
      input.destroy();
      fs.closeSync(out);
      const head = Buffer.alloc(4);
      const fd = fs.openSync(output, 'r');
      const length = fs.readSync(fd, head, 0, 4, 0);
      fs.closeSync(fd);
      resolve(length === 4 && isElf(head) && fs.statSync(output).size > 1024 * 1024);
    });
  });
}
