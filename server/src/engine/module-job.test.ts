import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { moduleOfFile } from '../../../shared/src/kbuild';
import { createCParser } from '../parsing/parser';
import { ModuleChecker } from './module-job';
import { writeModule } from '../../../test/support/modules';
import { DEBIAN_CONFIG } from '../knowledge/kernel-config';

/** The module object itself (an `import *` is a copy of getters): what the reads go through. */
const nodeFs = createRequire(__filename)('node:fs') as { openSync: typeof fs.openSync };

describe('ModuleChecker (a module checked whole on a worker)', () => {
  it("reads each of a module's files just before analyzing it: one text held at a time, not the module's", async () => {
    const sources = ['a', 'b', 'c', 'd'];
    const open = nodeFs.openSync;
    const parser = await createCParser();
    const dir = writeModule({
      Kbuild: `obj-m += m.o\nm-y := ${sources.map((name) => `${name}.o`).join(' ')}\n`,
      ...Object.fromEntries(
        sources.map((name) => [
          `${name}.c`,
          `#include "local.h"\nstatic int x __initdata = 1;\nint ${name}_value(void) { return x + LOCAL; }\n`,
        ]),
      ),
      'local.h': '#define LOCAL 1\nextern int __init local_setup(void);\n',
    });
    try {
      const module = moduleOfFile(path.join(dir, 'a.c'));
      const events: string[] = [];
      const parse = parser.parse.bind(parser);
      parser.parse = ((...args: Parameters<typeof parse>) => {
        events.push('analyze');
        return parse(...args);
      }) as typeof parser.parse;
      nodeFs.openSync = ((file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
        if (String(file).startsWith(dir)) events.push(`read ${path.basename(String(file))}`);
        return open(file, flags ?? 'r', mode);
      }) as typeof fs.openSync;
      // The parser arrives a moment after the jobs for the files start, as a worker's first does.
      const checker = new ModuleChecker(
        () => new Promise((resolve) => setTimeout(() => resolve(parser), 10)),
        () => assert.fail('no facts cache here'),
      );
      const answer = await checker.check({
        module,
        extract: { version: [6, 1], config: DEBIAN_CONFIG },
        disabledCodes: [],
        open: [],
        generation: 0,
      });
      assert.ok('checked' in answer.outcome);
      assert.equal(answer.outcome.checked.result.findings.filter((f) => f.code === 'section-mismatch').length, 4);
      const reads = events.filter((event) => event.startsWith('read'));
      assert.equal(reads.length, 5, events.join(', '));
      // Each file read is analyzed before the next is read.
      events.forEach((event, i) => {
        if (event.startsWith('read')) assert.equal(events[i + 1], 'analyze', events.join(', '));
      });
    } finally {
      nodeFs.openSync = open;
      parser.delete();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
