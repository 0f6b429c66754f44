// Built-in code is linked into vmlinux, and modpost checks vmlinux.o as one object: a non-init
// function in one directory calling an __init function defined in another is a mismatch. Modules
// are analysed one at a time, so this table collects, compactly, what crosses module boundaries:
// the non-static init/exit definitions of built-in objects, and for each built-in module the names
// it references but does not define (interned ids, a few hundred per file). Modules whose
// unresolved names meet a built-in init/exit definition are checked again against the table.

import { isTransient, ModuleSymbols, type ResolvedSymbol } from './check';
import type { KbuildModule } from './kbuild';
import type { FileFacts } from './types';

export class VmlinuxTable {
  private readonly ids = new Map<string, number>();
  private readonly transient = new Map<string, ResolvedSymbol>();
  private readonly unresolved: { module: KbuildModule; names: Int32Array }[] = [];

  private id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(name, id);
    }
    return id;
  }

  /** Records a checked built-in module; loadable modules never see vmlinux's sections. */
  add(module: KbuildModule, files: readonly FileFacts[]): void {
    if (!module.builtin) return;
    const symbols = new ModuleSymbols(files);
    const names = new Set<number>();
    for (const file of files) {
      for (const def of file.symbols) {
        if (def.isDefinition && !def.isStatic && isTransient(def.section) && !this.transient.has(def.name)) {
          this.transient.set(def.name, { name: def.name, kind: def.kind, section: def.section, uri: file.uri, nameRange: def.nameRange, def });
        }
      }
      for (const ref of file.references) if (!symbols.resolve(file.uri, ref.name)) names.add(this.id(ref.name));
    }
    if (names.size > 0) this.unresolved.push({ module, names: Int32Array.from(names) });
  }

  /** Built-in modules that reference another built-in object's init/exit symbol. */
  modulesToRecheck(): KbuildModule[] {
    const wanted = new Set([...this.transient.keys()].map((name) => this.ids.get(name)).filter((id): id is number => id !== undefined));
    return this.unresolved.filter(({ names }) => names.some((id) => wanted.has(id))).map(({ module }) => module);
  }

  resolve(name: string): ResolvedSymbol | undefined {
    return this.transient.get(name);
  }
}
