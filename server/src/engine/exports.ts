// What a module can link against: the symbols the kernel exports (its build dir's Module.symvers:
// vmlinux and every in-tree module), plus other external modules' Module.symvers named by
// KBUILD_EXTRA_SYMBOLS. Each file is read once (again only when it changes), off the request path.
//
// Module.symvers has one export per line, five tab-separated fields in 6.1 … 7.3:
// `<crc>\t<symbol>\t<vmlinux | module path>\t<EXPORT_SYMBOL | EXPORT_SYMBOL_GPL>\t<namespace>`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTextFile } from '../../../shared/src/safe-read';
import { detachedName } from '../parsing/detached';

/** A whole kernel's Module.symvers is a few MB. */
const MAX_SYMVERS_BYTES = 64 * 1024 * 1024;

export interface ExportInfo {
  /** `vmlinux`, or the exporting module's path without `.ko` (`drivers/usb/storage/usb-storage`). */
  owner: string;
  gplOnly: boolean;
  /** The namespace without quotes (`DMA_BUF`, `module:kvm,kvm-amd`); absent when none. */
  namespace?: string;
}

export class ExportTable {
  private readonly symbols = new Map<string, ExportInfo>();

  /** Parses Module.symvers text; malformed lines are skipped. */
  static parse(text: string): ExportTable {
    const table = new ExportTable();
    // Names and owners are copied: a field is a slice that would keep the whole file's text alive.
    const owners = new Map<string, string>();
    for (const line of text.split('\n')) {
      const fields = line.split('\t');
      if (fields.length < 4 || !fields[1]) continue;
      let owner = owners.get(fields[2]);
      if (owner === undefined) owners.set(fields[2], (owner = detachedName(fields[2])));
      const info: ExportInfo = { owner, gplOnly: fields[3] === 'EXPORT_SYMBOL_GPL' };
      const namespace = fields[4]?.trim();
      if (namespace) info.namespace = detachedName(namespace);
      if (!table.symbols.has(fields[1])) table.symbols.set(detachedName(fields[1]), info);
    }
    return table;
  }

  get(name: string): ExportInfo | undefined {
    return this.symbols.get(name);
  }

  get size(): number {
    return this.symbols.size;
  }

  /** This table with `others`' exports added (the first export of a name wins, as in modpost). */
  with(...others: readonly (ExportTable | undefined)[]): ExportTable {
    if (others.every((other) => !other || other.size === 0)) return this;
    const merged = new ExportTable();
    for (const table of [this, ...others]) {
      if (!table) continue;
      for (const [name, info] of table.symbols) if (!merged.symbols.has(name)) merged.symbols.set(name, info);
    }
    return merged;
  }
}

const loaded = new Map<string, { stamp: string; table: Promise<ExportTable | undefined> }>();

/** The exports of one Module.symvers file; undefined when it does not exist or cannot be read. */
export function loadExports(file: string): Promise<ExportTable | undefined> {
  let stamp: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return Promise.resolve(undefined);
    stamp = `${stat.size}:${stat.mtimeMs}`;
  } catch {
    loaded.delete(file);
    return Promise.resolve(undefined);
  }
  const cached = loaded.get(file);
  if (cached?.stamp === stamp) return cached.table;
  const table = readTextFile(file, MAX_SYMVERS_BYTES).then(
    (text) => ExportTable.parse(text),
    () => undefined,
  );
  loaded.set(file, { stamp, table });
  return table;
}

/** The kernel's own exports: `<kdir>/Module.symvers`. */
export function kernelExports(kdir: string): Promise<ExportTable | undefined> {
  return loadExports(path.join(kdir, 'Module.symvers'));
}
