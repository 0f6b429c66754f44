// Real kbuild for tests: finds Debian's kernel headers and builds a module out of tree.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../../..');

/** The newest /usr/src/linux-headers-*-amd64 (or $KMOD_TEST_KDIR); throws naming the package when absent. */
export function findKernelHeaders(): string {
  if (process.env.KMOD_TEST_KDIR) return process.env.KMOD_TEST_KDIR;
  const candidates = fs.existsSync('/usr/src') ? fs.readdirSync('/usr/src').filter((d) => /^linux-headers-.*-amd64$/.test(d)).sort() : [];
  const found = candidates.pop();
  if (!found) throw new Error('kernel headers not found: install the Debian package linux-headers-amd64 (bash scripts/setup-system.sh kbuild)');
  return path.join('/usr/src', found);
}

export function copyToTemp(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kmod-kbuild-${path.basename(source)}-`));
  fs.cpSync(source, dir, { recursive: true });
  return dir;
}

export function buildModule(kdir: string, dir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('make', ['-C', kdir, `M=${dir}`, 'modules'], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
