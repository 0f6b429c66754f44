import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspSession } from '../../../test/support/lsp-client';
import { writeModule } from '../../../test/support/modules';

type Hover = { contents: { value: string } } | null;

describe('headers VS Code opens as C++, over LSP', function () {
  this.timeout(60_000);

  it("serves a module's .h (diagnostics, hover, outline, quick fixes) and leaves a C++ project's headers alone", async () => {
    const root = writeModule({
      'mod/Makefile': 'obj-m += m.o\n',
      'mod/m.c': '#include "m.h"\nmodule_exit(m_exit);\nMODULE_LICENSE("GPL");\n',
      'mod/m.h': 'static int table[2] __initdata = { 1, 2 };\nstatic void __exit m_exit(void)\n{\n\tpr_info("%d", table[0]);\n}\n',
      // Outside any module folder, but kernel code by its includes.
      'loose/k.h': '#include <linux/init.h>\nstatic int t __initdata = 1;\nstatic int peek(void) { return t; }\n',
      'cxx/Makefile': 'all:\n\tg++ -o app main.cpp\n',
      'cxx/widget.h': '#include <vector>\nstatic int __init_count = 0;\nclass Widget { int x; };\nint widget_count(void);\n',
    });
    const uri = (...parts: string[]): string => pathToFileURL(path.join(root, ...parts)).href;
    const session = new LspSession({ kernelVersion: '6.1' });
    try {
      await session.initialize();
      await session.open(uri('cxx', 'widget.h'), fs.readFileSync(path.join(root, 'cxx', 'widget.h'), 'utf8'), 1, 'cpp');
      const header = session.diagnostics(uri('mod', 'm.h'), (p) => p.diagnostics.length > 0);
      await session.open(uri('mod', 'm.h'), fs.readFileSync(path.join(root, 'mod', 'm.h'), 'utf8'), 1, 'cpp');
      const [finding] = (await header).diagnostics;
      assert.deepEqual([finding.code, finding.range.start.line], ['section-mismatch', 3]);

      const loose = session.diagnostics(uri('loose', 'k.h'), (p) => p.diagnostics.length > 0);
      await session.open(uri('loose', 'k.h'), fs.readFileSync(path.join(root, 'loose', 'k.h'), 'utf8'), 1, 'cpp');
      assert.equal((await loose).diagnostics[0].code, 'section-mismatch');

      const hover = (await session.connection.sendRequest('textDocument/hover', {
        textDocument: { uri: uri('mod', 'm.h') },
        position: { line: 0, character: 12 },
      })) as Hover;
      assert.match(hover?.contents.value ?? '', /table/);
      const outline = (await session.connection.sendRequest('textDocument/documentSymbol', {
        textDocument: { uri: uri('mod', 'm.h') },
      })) as {
        name: string;
      }[];
      assert.deepEqual(
        outline.map((s) => s.name),
        ['table', 'm_exit'],
      );
      const actions = (await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: uri('mod', 'm.h') },
        range: finding.range,
        context: { diagnostics: [finding] },
      })) as { title: string }[];
      assert.ok(
        actions.some((a) => a.title.startsWith('Remove __initdata from table')),
        actions.map((a) => a.title).join(', '),
      );

      // The C++ header: no diagnostics published, no hover, no outline.
      assert.ok(!session.published.some((p) => p.uri === uri('cxx', 'widget.h')), 'nothing published for a C++ header');
      const cxxHover = (await session.connection.sendRequest('textDocument/hover', {
        textDocument: { uri: uri('cxx', 'widget.h') },
        position: { line: 1, character: 13 },
      })) as Hover;
      assert.equal(cxxHover, null);
      const cxxOutline = await session.connection.sendRequest('textDocument/documentSymbol', {
        textDocument: { uri: uri('cxx', 'widget.h') },
      });
      assert.deepEqual(cxxOutline, []);
    } finally {
      await session.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
