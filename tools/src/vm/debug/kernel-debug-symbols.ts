// Kernel frames for the debugger: Debian's vmlinux with debug info, from linux-image-<release>-dbg
// (about 860 MB to download, 5.6 GB if installed). Only the vmlinux is unpacked, into the cache (never
// installed), and gdb-add-index runs once so gdb loads it in seconds instead of a minute. Only ever
// on the user's explicit request.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SetupError } from '../errors';
import { findExecutable, onTermination, runCommand } from '../../../../shared/src/process';
import { debugVmlinuxPath } from './kernel-symbols';

export const debugImagePackage = (release: string) => `linux-image-${release}-dbg`;

/** What the download costs, said before it starts. */
export const DEBUG_SYMBOLS_SIZE_NOTE = 'about 860 MB to download; 700 MB kept in the cache';

export async function fetchDebugVmlinux(release: string, cacheDir: string, log: (message: string) => void): Promise<string> {
  const target = debugVmlinuxPath(cacheDir, release);
  if (fs.existsSync(target)) {
    log(`${target} is already there.`);
    return target;
  }
  for (const [tool, pkg] of [
    ['apt-get', 'apt'],
    ['dpkg-deb', 'dpkg'],
    ['tar', 'tar'],
    ['gdb-add-index', 'gdb'],
  ] as const) {
    if (!findExecutable(tool)) throw new SetupError(`${tool} not found.`, [pkg]);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(target), '.download-'));
  // A partial download never stays behind, even when interrupted.
  const forget = onTermination(() => fs.rmSync(work, { recursive: true, force: true }));
  try {
    const pkg = debugImagePackage(release);
    log(`Downloading ${pkg} (${DEBUG_SYMBOLS_SIZE_NOTE}) with apt-get download…`);
    const download = await runCommand('apt-get', ['download', pkg], { cwd: work, onOutput: (text) => log(text.trimEnd()) });
    const deb = fs.readdirSync(work).find((name) => name.endsWith('.deb'));
    if (download.exitCode !== 0 || !deb) {
      throw new SetupError(
        `apt-get download ${pkg} failed (${download.exitCode}): ${download.stderr.trim().split('\n').slice(-2).join(' ')}. Is the archive that has ${release} in the apt sources (bookworm-security for Debian 12)?`,
      );
    }
    const member = `./usr/lib/debug/boot/vmlinux-${release}`;
    log(`Unpacking ${member} from ${deb}…`);
    await extractMember(path.join(work, deb), member, work);
    const vmlinux = path.join(work, member);
    if (!fs.existsSync(vmlinux)) throw new SetupError(`${deb} has no ${member}.`);
    fs.rmSync(path.join(work, deb), { force: true });
    log('Indexing it for gdb (gdb-add-index, once)…');
    const index = await runCommand('gdb-add-index', [vmlinux]);
    if (index.exitCode !== 0) log(`gdb-add-index failed (${index.exitCode}); gdb will load the vmlinux slowly.`);
    fs.renameSync(vmlinux, target);
    log(`Kernel debug symbols ready: ${target}`);
    return target;
  } finally {
    forget();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** `dpkg-deb --fsys-tarfile DEB | tar -x MEMBER`, without a shell. */
function extractMember(deb: string, member: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const dpkg = spawn('dpkg-deb', ['--fsys-tarfile', deb], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', into, member], { stdio: ['pipe', 'ignore', 'pipe'] });
    dpkg.stdout.pipe(tar.stdin);
    let errors = '';
    dpkg.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    tar.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    tar.stdin.on('error', () => undefined);
    dpkg.on('error', reject);
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new SetupError(`Unpacking ${deb} failed: ${errors.trim().slice(-300)}`))));
  });
}
