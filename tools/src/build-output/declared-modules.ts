// The modules a module directory declares (the engine's Kbuild/Makefile reader) plus the line of
// each obj-m assignment: where modpost lines with no better position are shown.

import { modulesInDir, type KbuildModule } from '../../../shared/src/kbuild';
import { readTextFileSync } from '../../../shared/src/safe-read';

export interface DeclaredModule extends KbuildModule {
  /** 0-based line in `declaredIn` of the obj-… assignment that names the module (0 when not found). */
  line: number;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** 0-based line of the first obj-… assignment naming `<name>.o` in a makefile text. */
export function declarationLine(makefileText: string, name: string): number {
  const lines = makefileText.split(/\r?\n/);
  const object = new RegExp(`(?:^|[\\s=/])${escapeRegExp(name)}\\.o(?:\\s|\\\\|$)`);
  let logicalStart = 0;
  for (let i = 0; i < lines.length; i++) {
    if (i === 0 || !lines[i - 1].endsWith('\\')) logicalStart = i;
    if (/^\s*obj-/.test(lines[logicalStart]) && object.test(lines[i])) return logicalStart;
  }
  return 0;
}

export function declaredModules(moduleDir: string): DeclaredModule[] {
  const modules = modulesInDir(moduleDir);
  const texts = new Map<string, string>();
  return modules.map((module) => {
    if (!texts.has(module.declaredIn)) {
      let text = '';
      try {
        text = readTextFileSync(module.declaredIn, 1024 * 1024);
      } catch {
        /* unreadable: line 0 */
      }
      texts.set(module.declaredIn, text);
    }
    return { ...module, line: declarationLine(texts.get(module.declaredIn)!, module.name) };
  });
}
