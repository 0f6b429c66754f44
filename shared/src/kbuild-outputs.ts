// What kbuild writes into a module directory: objects, the module, its generated sources and
// command records. One table for everything that must tell sources from build products (the
// Explorer's files.exclude offer, the per-kernel build copies).

/** File-name patterns of kbuild's outputs, as `files.exclude` globs. */
export const KBUILD_OUTPUT_GLOBS: readonly string[] = [
  '**/*.o',
  '**/*.ko',
  '**/*.mod',
  '**/*.mod.c',
  '**/.*.cmd',
  '**/modules.order',
  '**/Module.symvers',
  '**/*.o.d',
  '**/.tmp_*',
];

const OUTPUT_NAME = /\.(?:o|ko|mod|mod\.c|o\.d)$|^\..*\.cmd$|^modules\.order$|^Module\.symvers$|^\.tmp_/;

/** Whether a file name (no directory) is one of kbuild's outputs. */
export function isKbuildOutput(name: string): boolean {
  return OUTPUT_NAME.test(name);
}
