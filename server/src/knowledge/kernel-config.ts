// Kernel options that change what a section annotation means, with the value Debian's amd64
// kernels (6.1, 6.12, 7.3) set. With a kernel build directory the values come from its
// include/config/auto.conf; without one these defaults apply (and hovers say so).

export interface ConfigOptionInfo {
  /** The value in Debian's amd64 configuration. */
  debian: boolean;
  /** What the option changes, for hovers. */
  effect: string;
  /** The annotations whose meaning it changes. */
  annotations: readonly string[];
}

export const ANNOTATION_CONFIG = {
  CONFIG_NET_NS: {
    debian: true,
    effect:
      '`__net_init`, `__net_exit`, `__net_initdata` and `__net_initconst` are empty (include/net/net_namespace.h); without it they are `__init`, `__ref`, `__initdata` and `__initconst`.',
    annotations: ['__net_init', '__net_exit', '__net_initdata', '__net_initconst'],
  },
  CONFIG_MEMORY_HOTPLUG: {
    debian: true,
    effect:
      'from 6.12 `__meminit` and its data variants are empty (include/linux/init.h); without it they are `__init` and friends. Before 6.12 they always have sections of their own.',
    annotations: ['__meminit', '__meminitdata', '__meminitconst', '__init_memblock', '__initdata_memblock'],
  },
  CONFIG_ARCH_KEEP_MEMBLOCK: {
    debian: false,
    effect:
      '`__init_memblock` and `__initdata_memblock` are empty (include/linux/memblock.h); without it they are `__meminit` and `__meminitdata`.',
    annotations: ['__init_memblock', '__initdata_memblock'],
  },
  CONFIG_MODULE_UNLOAD: {
    debian: true,
    effect:
      "a module's `__exit` code is kept until rmmod; without it the module can never be unloaded and its `.exit.text` is dropped at load.",
    annotations: ['__exit', '__exitdata', 'module_exit'],
  },
} as const satisfies Record<string, ConfigOptionInfo>;

export type ConfigOption = keyof typeof ANNOTATION_CONFIG;

export type ConfigValues = Readonly<Record<ConfigOption, boolean>>;

export const DEBIAN_CONFIG: ConfigValues = Object.fromEntries(
  Object.entries(ANNOTATION_CONFIG).map(([name, info]) => [name, info.debian]),
) as Record<ConfigOption, boolean>;

/** The options above as an auto.conf sets them (`CONFIG_X=y`; `=m` counts as set, absent as unset). */
/** Values of every CONFIG_ option of an auto.conf: `y`, `m`, a number or a string; absent means unset. */
export type KernelConfig = ReadonlyMap<string, string>;

export function parseAutoConf(text: string): KernelConfig {
  const config = new Map<string, string>();
  for (const match of text.matchAll(/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/gm)) config.set(match[1], match[2]);
  return config;
}

export function configFromAutoConf(text: string): ConfigValues {
  const config = parseAutoConf(text);
  return Object.fromEntries(
    Object.keys(ANNOTATION_CONFIG).map((name) => [name, config.get(name) === 'y' || config.get(name) === 'm']),
  ) as Record<ConfigOption, boolean>;
}

/** The options that change what `annotation` means. */
export function optionsAffecting(annotation: string): ConfigOption[] {
  return (Object.keys(ANNOTATION_CONFIG) as ConfigOption[]).filter((name) =>
    (ANNOTATION_CONFIG[name].annotations as readonly string[]).includes(annotation),
  );
}
