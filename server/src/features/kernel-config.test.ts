import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyzeSources, summarize, writeModule } from '../../../test/support/modules';
import { configFromAutoConf, DEBIAN_CONFIG } from '../knowledge/kernel-config';
import { resolveContext } from '../engine/project';
import { renderConfiguration } from './hover';

/** A build dir with just a version and an auto.conf. */
function fakeKdir(autoConf: string): string {
  return writeModule({
    'include/generated/uapi/linux/version.h':
      '#define LINUX_VERSION_MAJOR 6\n#define LINUX_VERSION_PATCHLEVEL 1\n#define LINUX_VERSION_SUBLEVEL 192\n',
    'include/config/auto.conf': autoConf,
  });
}

const NET_MODULE = {
  'm.c': 'static int __net_init net_setup(void) { return 0; }\nint runtime(void) { return net_setup(); }\n',
};

describe('kernel configuration', () => {
  it('reads the options that change annotations from auto.conf (=y and =m set, absent unset)', () => {
    assert.deepEqual(configFromAutoConf('CONFIG_NET_NS=y\nCONFIG_MODULE_UNLOAD=m\n# CONFIG_MEMORY_HOTPLUG is not set\nCONFIG_OTHER=y\n'), {
      CONFIG_NET_NS: true,
      CONFIG_MEMORY_HOTPLUG: false,
      CONFIG_ARCH_KEEP_MEMBLOCK: false,
      CONFIG_MODULE_UNLOAD: true,
    });
  });

  it("uses Debian's defaults without a build dir and says so", () => {
    const context = resolveContext({});
    assert.deepEqual(context.extract.config, DEBIAN_CONFIG);
    assert.match(context.configSource, /Debian's defaults \(no kernel build directory set\)/);
    assert.match(
      renderConfiguration('__net_init', context.extract.config, context.configSource) ?? '',
      /Debian's defaults.*CONFIG_NET_NS=y/s,
    );
  });

  it("takes __net_init as __init when the build dir's kernel has no network namespaces", async () => {
    const withoutNetNs = fakeKdir('CONFIG_MODULES=y\nCONFIG_MODULE_UNLOAD=y\n');
    const withNetNs = fakeKdir('CONFIG_MODULES=y\nCONFIG_NET_NS=y\n');
    try {
      assert.deepEqual(summarize((await analyzeSources(NET_MODULE, { kdir: withoutNetNs })).findings), [
        'section-mismatch runtime->net_setup @m.c:2',
      ]);
      assert.deepEqual(summarize((await analyzeSources(NET_MODULE, { kdir: withNetNs })).findings), []);
      assert.deepEqual(summarize((await analyzeSources(NET_MODULE)).findings), []);
      const context = resolveContext({ kdir: withoutNetNs });
      assert.match(
        renderConfiguration('__net_init', context.extract.config, context.configSource) ?? '',
        /read from `.*auto\.conf`.*`CONFIG_NET_NS=n`/s,
      );
    } finally {
      fs.rmSync(withoutNetNs, { recursive: true, force: true });
      fs.rmSync(withNetNs, { recursive: true, force: true });
    }
  });
});
