// Built-in code is linked into vmlinux, and modpost checks vmlinux.o as one object: a non-init
// function in one directory calling an __init function defined in another is a mismatch. Modules
// are analyzed one at a time, so this table collects, compactly, what crosses module boundaries:
// the non-static init/exit definitions of built-in objects, and for each built-in module the names
// it references but does not define (interned ids, a few hundred per file). Modules whose
// unresolved names meet a built-in init/exit definition are checked again against the table.

import { isTransient } from '../knowledge/sections';
import { ModuleSymbols, type ResolvedSymbol } from './check';
import type { KbuildModule } from '../../../shared/src/kbuild';
import type { TranslationUnit } from './units';

/** `arch/<name>/…` files link only with their own architecture and generic code. */
function archOf(uri: string): string | undefined {
  return /\/arch\/([^/]+)\//.exec(uri)?.[1];
}

/** What one built-in module brings to vmlinux: its non-static definitions and the names it leaves to others. */
export interface VmlinuxContribution {
  definitions: { name: string; arch?: string; transient?: ResolvedSymbol }[];
  unresolved: string[];
}

/**
 * Walks what a checked built-in module brings to vmlinux: each non-static definition (with its
 * details when it is init/exit) and each name its units reference but do not define.
 */
function walkContribution(
  units: readonly TranslationUnit[],
  onDefinition: (name: string, arch: string | undefined, transient: ResolvedSymbol | undefined) => void,
  onUnresolved: (name: string) => void,
): void {
  const symbols = new ModuleSymbols(units);
  const counted = new Set<string>();
  for (const unit of units) {
    for (const file of unit.files) {
      for (const ref of file.references) if (!symbols.resolveInUnit(unit.uri, ref.name, file.uri)) onUnresolved(ref.name);
      if (counted.has(file.uri)) continue;
      counted.add(file.uri);
      const arch = archOf(file.uri);
      for (const def of file.symbols) {
        if (!def.isDefinition || def.isStatic || def.localTo !== undefined) continue;
        const transient = isTransient(def.section)
          ? { name: def.name, kind: def.kind, section: def.section, uri: file.uri, nameRange: def.nameRange, def }
          : undefined;
        onDefinition(def.name, arch, transient);
      }
    }
  }
}

/** The contribution of a checked module, to keep (the module results cache); undefined for a loadable one (never part of vmlinux). */
export function vmlinuxContribution(module: KbuildModule, units: readonly TranslationUnit[]): VmlinuxContribution | undefined {
  if (!module.builtin) return undefined;
  const unresolved = new Set<string>();
  const definitions: VmlinuxContribution['definitions'] = [];
  walkContribution(
    units,
    (name, arch, transient) => definitions.push({ name, arch, transient }),
    (name) => unresolved.add(name),
  );
  return { definitions, unresolved: [...unresolved] };
}

interface Definition {
  arch: string | undefined;
  /** The init/exit definition, or undefined for a permanent one (which wins: see resolve). */
  transient?: ResolvedSymbol;
}

export class VmlinuxTable {
  private readonly ids = new Map<string, number>();
  /** Non-static built-in definitions, by name; only names with an init/exit variant keep details. */
  private readonly definitions = new Map<string, Definition[]>();
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
  add(module: KbuildModule, units: readonly TranslationUnit[]): void {
    if (!module.builtin) return;
    const names = new Set<number>();
    walkContribution(
      units,
      (name, arch, transient) => this.addDefinition(name, arch, transient),
      (name) => names.add(this.id(name)),
    );
    if (names.size > 0) this.unresolved.push({ module, names: Int32Array.from(names) });
  }

  private addDefinition(name: string, arch: string | undefined, transient: ResolvedSymbol | undefined): void {
    const list = this.definitions.get(name);
    if (list) list.push({ arch, transient });
    else this.definitions.set(name, [{ arch, transient }]);
  }

  /** Records what a built-in module brings to vmlinux (worked out now or earlier: see vmlinuxContribution). */
  addContribution(module: KbuildModule, contribution: VmlinuxContribution): void {
    if (!module.builtin) return;
    for (const { name, arch, transient } of contribution.definitions) this.addDefinition(name, arch, transient);
    if (contribution.unresolved.length > 0)
      this.unresolved.push({ module, names: Int32Array.from(new Set(contribution.unresolved.map((name) => this.id(name)))) });
  }

  /** Built-in modules that reference another built-in object's init/exit symbol. */
  modulesToRecheck(): KbuildModule[] {
    const transientNames = [...this.definitions].filter(([, list]) => list.some((d) => d.transient)).map(([name]) => name);
    const wanted = new Set(transientNames.map((name) => this.ids.get(name)).filter((id): id is number => id !== undefined));
    return this.unresolved.filter(({ names }) => names.some((id) => wanted.has(id))).map(({ module }) => module);
  }

  /**
   * Keeps only what resolve() needs once the built-in modules to check again are known: the names
   * with an init/exit definition (any other resolves to nothing). On a whole kernel tree the rest
   * (every non-static built-in definition and every name a built-in object leaves to others) held
   * some 15 MB for as long as the server ran.
   */
  keepLookupsOnly(): void {
    this.ids.clear();
    this.unresolved.length = 0;
    for (const [name, list] of this.definitions) if (!list.some((d) => d.transient)) this.definitions.delete(name);
  }

  /**
   * The init/exit definition `name` links to from `fromUri`, if every definition the file can link
   * with is init/exit: like duplicate #if definitions, a permanent variant anywhere wins, so only a
   * reference wrong in every configuration is reported.
   */
  resolve(name: string, fromUri: string): ResolvedSymbol | undefined {
    const arch = archOf(fromUri);
    const candidates = (this.definitions.get(name) ?? []).filter((d) => arch === undefined || d.arch === undefined || d.arch === arch);
    if (candidates.length === 0 || candidates.some((d) => !d.transient)) return undefined;
    return candidates[0].transient;
  }
}
