import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeSources, summarize, writeModule } from '../../../test/support/modules';
import { parseKbuild } from '../../../shared/src/kbuild';
import { analyzePaths } from './project';
import { isKernelHeader, resolveInclude } from './units';

describe('translation units', () => {
  it('reads -I directories from ccflags-y, EXTRA_CFLAGS and subdir-ccflags-y, with $(src) and $(srctree)/$(src)', () => {
    const [module] = parseKbuild(
      'obj-m += m.o\nccflags-y := -I$(src)/include -DX=1\nEXTRA_CFLAGS += -I $(srctree)/$(src)/common\nsubdir-ccflags-y += -iquote$(obj)/q -I$(UNKNOWN)/no\n',
      '/mod',
      '/mod/Kbuild',
    );
    assert.deepEqual(module.includeDirs, ['/mod/include', '/mod/common', '/mod/q']);
    const [inTree] = parseKbuild(
      'obj-y += x.o\nccflags-y += -I$(srctree)/drivers/foo/inc -Idrivers/bar\n',
      '/linux/drivers/foo',
      '/linux/drivers/foo/Makefile',
      '/linux',
    );
    assert.deepEqual(inTree.includeDirs, ['/linux/drivers/foo/inc', '/linux/drivers/bar']);
  });

  it('reads which objects an option links in: x-$(CONFIG_X), $(subst m,y,…), lists read back as x-y, ifdef/ifneq blocks', () => {
    const kbuild = [
      'obj-$(CONFIG_SCTP) += sctp.o',
      'sctp-y := main.o',
      'sctp-$(subst m,y,$(CONFIG_IPV6)) += ipv6.o',
      'proc-$(CONFIG_PROC_FS) += procfs.o',
      'sctp-objs += $(proc-y)',
      'ifneq ($(CONFIG_DMA),)',
      'sctp-objs += dma.o',
      'else',
      'sctp-objs += nodma.o',
      'endif',
      'ifdef CONFIG_EXTRA',
      'obj-m += extra.o',
      'endif',
      'obj-$(subst m,y,$(CONFIG_SCTP)) += core.o',
      '',
    ].join('\n');
    const [sctp, extra, core] = parseKbuild(kbuild, '/linux/net/sctp', '/linux/net/sctp/Makefile', '/linux');
    assert.deepEqual(
      sctp.sources.map((source) => path.basename(source)),
      ['main.c', 'ipv6.c', 'procfs.c', 'dma.c', 'nodma.c'],
    );
    assert.deepEqual(sctp.sourceConfigs, {
      '/linux/net/sctp/ipv6.c': 'CONFIG_IPV6',
      '/linux/net/sctp/procfs.c': 'CONFIG_PROC_FS',
      '/linux/net/sctp/dma.c': 'CONFIG_DMA',
    });
    assert.equal(extra.config, 'CONFIG_EXTRA');
    assert.equal(core.builtin, true, 'obj-$(subst m,y,…) is built in whenever the option is set');
  });

  it('resolves a quoted include beside the including file first, then in the -I directories; kernel headers stay out', () => {
    const dir = writeModule({ 'a/x.h': '', 'inc/x.h': '', 'inc/y.h': '' });
    try {
      assert.equal(resolveInclude('x.h', path.join(dir, 'a/m.c'), [path.join(dir, 'inc')]), path.join(dir, 'a/x.h'));
      assert.equal(resolveInclude('y.h', path.join(dir, 'a/m.c'), [path.join(dir, 'inc')]), path.join(dir, 'inc/y.h'));
      assert.equal(resolveInclude('z.h', path.join(dir, 'a/m.c'), [path.join(dir, 'inc')]), undefined);
      assert.equal(resolveInclude('inc', path.join(dir, 'a/m.c'), [dir]), undefined, 'a directory is not a file');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(isKernelHeader('/linux/include/linux/init.h', '/linux'));
    assert.ok(isKernelHeader('/linux/arch/x86/include/asm/io.h', '/linux'));
    assert.ok(!isKernelHeader('/linux/drivers/foo/foo.h', '/linux'));
  });

  it('analyzes an included .c file as part of its includer, and not as a unit of its own', async () => {
    const { findings, files } = await analyzeSources({
      Kbuild: 'obj-m += m.o\nm-y := main.o\n',
      'main.c': 'static int __initdata level = 3;\n#include "leds.c"\nint attach(void) { return leds_setup(); }\n',
      'leds.c': 'static int __init leds_setup(void) { return level; }\nstatic int leds_read(void) { return level; }\n',
    });
    assert.deepEqual(summarize(findings), ['section-mismatch leds_read->level @leds.c:2', 'section-mismatch attach->leds_setup @main.c:3']);
    assert.equal(files.filter((f) => f.uri.endsWith('/leds.c')).length, 1);
  });

  it('analyzes a .c file listed in Kbuild and also included both ways, reporting a shared finding once', async () => {
    const analysis = await analyzeSources({
      Kbuild: 'obj-m += m.o\nm-y := main.o both.o\n',
      'main.c': '#include "both.c"\nstatic int __init m_init(void) { return 0; }\n',
      'both.c': 'static int __init setup(void) { return 0; }\nstatic int runtime(void) { return setup(); }\n',
    });
    assert.deepEqual(summarize(analysis.findings), ['section-mismatch runtime->setup @both.c:2']);
  });

  it('judges a header static inline once per module, in the header, following -I from the Makefile', async () => {
    const dir = writeModule({
      Makefile: 'obj-m += m.o\nm-y := a.o b.o\nccflags-y := -I$(src)/include\n',
      'include/m.h': '#pragma once\nint __init setup(void);\nstatic inline int kick(void) { return setup(); }\n#include "m.h"\n',
      'a.c': '#include <m.h>\n#include "m.h"\nint setup(void) { return 0; }\nint ra(void) { return kick(); }\n',
      'b.c': '#include "m.h"\nint rb(void) { return kick(); }\n',
    });
    try {
      const analysis = await analyzePaths([dir], { kernelVersion: '6.1' });
      assert.deepEqual(summarize(analysis.findings), ['section-mismatch kick->setup @m.h:3']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes an annotation that a unit #defines to nothing at its word (userspace test harnesses, boot code)', async () => {
    const { findings } = await analyzeSources({
      'linux/init.h': '#define __init\n#define __initdata /* nothing here */\n',
      'm.c': '#include "linux/init.h"\n#include "lib.c"\nint r(void) { return setup() + level; }\n',
      'lib.c': 'static int __init setup(void) { return 0; }\nstatic int level __initdata = 1;\n',
      'other.c': 'static int __init setup(void) { return 0; }\nint r2(void) { return setup(); }\n',
    });
    assert.deepEqual(summarize(findings), ['section-mismatch r2->setup @other.c:2']);
  });

  it('stops at include cycles and at files it cannot read', async () => {
    const { findings } = await analyzeSources({
      'm.c': '#include "a.h"\n#include "missing.h"\nint r(void) { return setup(); }\n',
      'a.h': '#include "b.h"\n',
      'b.h': '#include "a.h"\nint __init setup(void);\n',
    });
    assert.deepEqual(summarize(findings), []);
  });
});
