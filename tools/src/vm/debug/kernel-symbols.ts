// Kernel addresses the debugger needs without a vmlinux: do_init_module and __die, read once from
// the guest's /proc/kallsyms (slow under emulation) and remembered per kernel image. The debug VM
// boots with nokaslr, so they do not change between boots of the same image.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KERNEL_STOP_SYMBOLS, KernelStopSymbol } from './debug-guest';

interface StopAddressesFile {
  image: string;
  size: number;
  mtimeMs: number;
  symbols: Partial<Record<KernelStopSymbol, string>>;
}

const fileFor = (cacheDir: string, kernel: string) => path.join(cacheDir, `${path.basename(kernel)}.debug-symbols.json`);

export function cachedStopAddresses(cacheDir: string, kernel: string): Map<KernelStopSymbol, bigint> | undefined {
  try {
    const stat = fs.statSync(kernel);
    const saved = JSON.parse(fs.readFileSync(fileFor(cacheDir, kernel), 'utf8')) as StopAddressesFile;
    if (saved.image !== kernel || saved.size !== stat.size || saved.mtimeMs !== stat.mtimeMs) return undefined;
    const found = new Map<KernelStopSymbol, bigint>();
    for (const symbol of KERNEL_STOP_SYMBOLS) {
      const value = saved.symbols[symbol];
      if (value !== undefined && /^0x[0-9a-f]+$/.test(value)) found.set(symbol, BigInt(value));
    }
    return found.has('do_init_module') ? found : undefined;
  } catch {
    return undefined;
  }
}

export function rememberStopAddresses(cacheDir: string, kernel: string, symbols: ReadonlyMap<KernelStopSymbol, bigint>): void {
  const stat = fs.statSync(kernel);
  const saved: StopAddressesFile = {
    image: kernel,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    symbols: Object.fromEntries([...symbols].map(([name, address]) => [name, `0x${address.toString(16)}`])),
  };
  fs.mkdirSync(cacheDir, { recursive: true });
  const temp = `${fileFor(cacheDir, kernel)}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(saved, null, 2));
  fs.renameSync(temp, fileFor(cacheDir, kernel));
}

/** Where Debian's vmlinux with debug info (linux-image-<release>-dbg) is kept once downloaded. */
export function debugVmlinuxPath(cacheDir: string, release: string): string {
  return path.join(cacheDir, 'debug', `vmlinux-${release}`);
}
