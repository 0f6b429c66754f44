// Which open documents this server serves. C documents always. VS Code opens `.h` files as C++,
// so the client also sends C++ headers; one is served only when it belongs to kernel code: a
// Kbuild or a Makefile declaring objects (`obj-m`, `obj-y`, …) in its folder or the two above it
// (a module's `include/` folder), or an include of a kernel header. Any other C++ header (a C++
// project, a userspace library) gets no diagnostics, hover, outline or code action from us.

import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { modulesInDir } from '../../../shared/src/kbuild';
import { filePathOf } from '../model/uris';

/** Folders above a header's own that may hold its module's Kbuild (`include/`, `include/<name>/`). */
const PARENT_LEVELS = 2;

/** `#include <linux/…>` and the other top-level folders of the kernel's include/ and arch/<arch>/include/. */
const KERNEL_INCLUDE =
  /^[ \t]*#[ \t]*include[ \t]*<(?:linux|asm|asm-generic|uapi|net|media|drm|sound|crypto|trace|kunit|soc|video|scsi|rdma|keys|clocksource|dt-bindings)\//m;

export class ModuleDocuments {
  /** Per open C++ header: whether a folder around it declares kernel objects (decided when first asked). */
  private readonly inKbuildFolder = new Map<string, boolean>();

  /** Whether the server analyzes `document` and answers requests on it. */
  serves(document: TextDocument): boolean {
    if (document.languageId !== 'cpp') return true;
    const file = filePathOf(document.uri);
    if (!file || !file.endsWith('.h')) return false;
    let known = this.inKbuildFolder.get(document.uri);
    if (known === undefined) this.inKbuildFolder.set(document.uri, (known = declaresObjectsAround(file)));
    return known || KERNEL_INCLUDE.test(document.getText());
  }

  /** The document closed (or files moved): decide again next time. */
  forget(uri?: string): void {
    if (uri === undefined) this.inKbuildFolder.clear();
    else this.inKbuildFolder.delete(uri);
  }
}

function declaresObjectsAround(file: string): boolean {
  let dir = path.dirname(file);
  for (let level = 0; level <= PARENT_LEVELS; level++) {
    if (modulesInDir(dir).length > 0) return true;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return false;
}
