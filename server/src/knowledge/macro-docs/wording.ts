// Wording and helpers shared by several categories of the macro table: exit-memory lifetime
// (include/linux/init.h) and the GPL-compatible licence strings (include/linux/license.h).

/** Joins paragraphs into one Markdown string. */
export function paragraphs(...parts: string[]): string {
  return parts.join('\n\n');
}

export const EXIT_LIFETIME =
  'Module with CONFIG_MODULE_UNLOAD=y: kept until the module is removed (rmmod). Module with CONFIG_MODULE_UNLOAD=n: treated like init memory and dropped after init, because it can never run. ' +
  'Built-in: never executed; x86 and arm64 keep it in the image and free it with init memory, other architectures throw it away at link time.';

export { GPL_COMPATIBLE_LICENSES } from '../module-link';
