// Test helper: writes real module sources (and an optional Kbuild) into a temp dir and analyzes them
// with the real engine.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzePaths, type AnalysisOptions, type ProjectAnalysis } from '../../server/src/engine/project';
import type { Finding } from '../../server/src/model/types';

export function writeModule(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-test-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export async function analyzeSources(
  files: Record<string, string>,
  options: AnalysisOptions = {},
): Promise<ProjectAnalysis & { dir: string }> {
  const dir = writeModule(files);
  try {
    return { ...(await analyzePaths([dir], options)), dir };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** "code from->to @line" summaries (1-based lines) for compact assertions. */
export function summarize(findings: readonly Finding[]): string[] {
  return findings.map(
    (f) =>
      `${f.code} ${f.from?.symbol ?? '-'}->${f.to?.symbol ?? '-'} @${path.basename(new URL(f.uri).pathname)}:${f.range.start.line + 1}`,
  );
}

/**
 * A kernel build dir with just what the link checks read: a version, auto.conf, a Module.symvers
 * (msleep, kernel_write; GPL-only ktime_get; dma_buf_put in DMA_BUF; __flush_tlb_all for module:kvm)
 * and headers declaring those plus unexported vfs_write and kallsyms_lookup_name.
 */
export function fakeKernelBuildDir(version: [number, number]): string {
  return writeModule({
    Makefile: '# build dir\n',
    'include/generated/utsrelease.h': `#define UTS_RELEASE "${version[0]}.${version[1]}.0-fake"\n`,
    'include/generated/uapi/linux/version.h': `#define LINUX_VERSION_MAJOR ${version[0]}\n#define LINUX_VERSION_PATCHLEVEL ${version[1]}\n#define LINUX_VERSION_SUBLEVEL 0\n`,
    'include/config/auto.conf': 'CONFIG_KALLSYMS=y\nCONFIG_MODULES=y\n',
    'Module.symvers': [
      '0x1\tmsleep\tvmlinux\tEXPORT_SYMBOL\t',
      '0x6\tkernel_write\tvmlinux\tEXPORT_SYMBOL\t',
      '0x2\tktime_get\tvmlinux\tEXPORT_SYMBOL_GPL\t',
      '0x3\tdma_buf_put\tvmlinux\tEXPORT_SYMBOL_GPL\tDMA_BUF',
      '0x4\tusb_stor_suspend\tdrivers/usb/storage/usb-storage\tEXPORT_SYMBOL_GPL\tUSB_STORAGE',
      '0x5\t__flush_tlb_all\tvmlinux\tEXPORT_SYMBOL_GPL\tmodule:kvm,kvm-amd',
      '',
    ].join('\n'),
    'include/linux/kallsyms.h': [
      '#ifndef _LINUX_KALLSYMS_H',
      '#define _LINUX_KALLSYMS_H',
      '#ifdef CONFIG_KALLSYMS',
      'unsigned long kallsyms_lookup_name(const char *name);',
      '#else',
      'static inline unsigned long kallsyms_lookup_name(const char *name) { return 0; }',
      '#endif',
      '#if IS_ENABLED(CONFIG_NOT_SET)',
      'extern int only_without_config(void);',
      '#endif',
      'extern int maybe_inline(void);',
      '#ifdef ARCH_HAS_IT',
      'static inline int maybe_inline(void) { return 1; }',
      '#endif',
      '#endif',
    ].join('\n'),
    'include/linux/fs.h': [
      'struct file;',
      'extern ssize_t vfs_write(struct file *, const char *, size_t, long long *);',
      'extern ssize_t kernel_write(struct file *, const void *, size_t, long long *);',
      '#define vfs_macro(x) (x)',
      'extern int vfs_macro(int);',
      'static inline void *kmalloc_like(unsigned long size)',
      '{',
      '\treturn 0;',
      '}',
      'extern unsigned long jiffies_like;',
      'void msleep(unsigned int msecs);',
      'unsigned long ktime_get(void);',
      'void dma_buf_put(void *buf);',
      'void __flush_tlb_all(void);',
      'int kernel_fn_the_module_defines(void);',
      'static __always_inline __alloc_size(1) void *kmalloc_attr(unsigned long size)',
      '{',
      '\treturn 0;',
      '}',
      'struct file_like {',
      '\tint fd;',
      '};',
    ].join('\n'),
  });
}
