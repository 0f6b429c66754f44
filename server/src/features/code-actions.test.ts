import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspSession, type PublishedDiagnostics } from '../../../test/support/lsp-client';
import { fakeKernelBuildDir, writeModule } from '../../../test/support/modules';

type Edit = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string };
type Action = { title: string; isPreferred?: boolean; edit: { changes: Record<string, Edit[]> } };

function applyEdits(text: string, edits: Edit[]): string {
  const lines = text.split('\n');
  const offset = (p: Edit['range']['start']): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  for (const edit of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    text = text.slice(0, offset(edit.range.start)) + edit.newText + text.slice(offset(edit.range.end));
  }
  return text;
}

/**
 * Opens `source` at `uri`, waits for a finding of `code`, applies the first quick fix (whose title
 * must match `title`; with `anywhere`, the one whose title does) and checks that the fixed text
 * has no finding of that code. Returns the action and the fixed text.
 */
async function fixClearsFinding(
  session: LspSession,
  uri: string,
  source: string,
  code: string,
  title: RegExp,
  timeoutMs = 10_000,
  anywhere = false,
): Promise<Action & { fixed: string }> {
  const first = session.diagnostics(uri, (p: PublishedDiagnostics) => p.diagnostics.some((d) => d.code === code), timeoutMs);
  await session.open(uri, source);
  const diagnostic = (await first).diagnostics.find((d) => d.code === code)!;
  const actions = (await session.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic] },
  })) as Action[];
  assert.ok(actions.length > 0, 'no quick fix offered');
  const action = anywhere ? actions.find((a) => title.test(a.title)) : actions[0];
  assert.ok(action, actions.map((a) => a.title).join(', '));
  assert.match(action.title, title);
  const fixed = applyEdits(source, action.edit.changes[uri]);
  const after = session.diagnostics(uri, (p) => p.version === 2);
  await session.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: fixed }],
  });
  assert.deepEqual(
    (await after).diagnostics.filter((d) => d.code === code),
    [],
    `still there after the fix:\n${fixed}`,
  );
  return { ...action, fixed };
}

/** One source per finding code, with the quick fix expected first. */
const CASES: { code: string; source: string; title: RegExp }[] = [
  {
    code: 'section-mismatch',
    title: /^Remove __initdata from data$/,
    source: 'static int data __initdata = 1;\nstatic void __exit bye(void) { pr_info("%d", data); }\nmodule_exit(bye);\n',
  },
  {
    code: 'section-mismatch',
    title: /^Remove __init from helper/,
    source: 'static int __init helper(void) { return 1; }\nint runtime(void) { return helper(); }\n',
  },
  {
    code: 'export-init-exit',
    title: /^Remove __init from setup_thing/,
    source: 'int __init setup_thing(void) { return 0; }\nEXPORT_SYMBOL_GPL(setup_thing);\n',
  },
  {
    code: 'section-type-conflict',
    title: /^Change __initdata to __initconst on banner$/,
    source: 'static const char banner[] __initdata = "x";\nstatic int __init f(void) { return banner[0]; }\nmodule_init(f);\n',
  },
  {
    code: 'const-in-writable-section',
    title: /^Change __initdata to __initconst on banner$/,
    source: 'static const char banner[] __initdata = "x";\n',
  },
  { code: 'initconst-not-const', title: /^Make names const$/, source: 'static const char *names[] __initconst = { "a" };\n' },
  { code: 'initconst-not-const', title: /^Make buf const$/, source: 'static char buf[] __initconst = "y";\n' },
  {
    code: 'module-exit-init',
    title: /^Change __init to __exit on stop$/,
    source: 'static void __init stop(void) { }\nmodule_exit(stop);\n',
  },
  {
    code: 'module-init-exit',
    title: /^Change __exit to __init on start$/,
    source: 'static int __exit start(void) { return 0; }\nmodule_init(start);\n',
  },
  {
    code: 'unchecked-init-reference',
    title: /^Remove __init from helper/,
    source: 'static int __init helper(void) { return 1; }\nstatic int (*const tbl[])(void) = { helper };\n',
  },
];

describe('quick fixes over LSP', function () {
  this.timeout(30_000);
  let session: LspSession;
  before(async () => {
    session = new LspSession({ kernelVersion: '6.1' });
    await session.initialize();
  });
  after(() => session.close());

  for (const [i, c] of CASES.entries()) {
    it(`${c.code}: "${c.title.source}" leaves no finding of that code`, async () => {
      const action = await fixClearsFinding(session, `file:///nonexistent/fixes/case${i}.c`, c.source, c.code, c.title);
      assert.equal(action.isPreferred, true);
    });
  }

  for (const [i, c] of CASES.entries()) {
    it(`${c.code}: "Disable ${c.code} for this line" silences it with a kmod-ignore comment`, async () => {
      const action = await fixClearsFinding(
        session,
        `file:///nonexistent/fixes/ignore${i}.c`,
        c.source,
        c.code,
        new RegExp(`^Disable ${c.code} for this line$`),
        10_000,
        true,
      );
      assert.notEqual(action.isPreferred, true, 'silencing is never the preferred fix');
      assert.match(action.fixed, new RegExp(`^\\s*// kmod-ignore-next-line ${c.code}$`, 'm'));
    });
  }

  it('adds the code to a kmod-ignore-next-line comment already above the line, keeping its indentation', async () => {
    const source =
      'static int data __initdata = 1;\nstatic void __exit bye(void)\n{\n\t// kmod-ignore-next-line export-init-exit -- why\n\tpr_info("%d", data);\n}\nmodule_exit(bye);\n';
    const action = await fixClearsFinding(
      session,
      'file:///nonexistent/fixes/ignore-append.c',
      source,
      'section-mismatch',
      /^Disable section-mismatch for this line$/,
      10_000,
      true,
    );
    assert.match(action.fixed, /\n\t\/\/ kmod-ignore-next-line export-init-exit, section-mismatch -- why\n\tpr_info/);
  });

  it('offers "Mark caller __init" only when every caller of it is init code', async () => {
    const uri = 'file:///nonexistent/fixes/caller.c';
    const source =
      'static int __init helper(void) { return 1; }\nstatic int setup(void) { return helper(); }\nstatic int __init m_init(void) { return setup(); }\nmodule_init(m_init);\n';
    const published = session.diagnostics(uri, (p) => p.diagnostics.length > 0);
    await session.open(uri, source);
    const [diagnostic] = (await published).diagnostics;
    const titles = (
      (await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri },
        range: diagnostic.range,
        context: { diagnostics: [diagnostic] },
      })) as Action[]
    ).map((a) => a.title);
    assert.ok(titles.includes('Mark setup __init (all its callers are init code)'), titles.join(', '));

    const uri2 = 'file:///nonexistent/fixes/caller2.c';
    const published2 = session.diagnostics(uri2, (p) => p.diagnostics.length > 0);
    await session.open(uri2, source + 'int later(void) { return setup(); }\n');
    const [diagnostic2] = (await published2).diagnostics;
    const titles2 = (
      (await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: uri2 },
        range: diagnostic2.range,
        context: { diagnostics: [diagnostic2] },
      })) as Action[]
    ).map((a) => a.title);
    assert.ok(!titles2.some((t) => t.startsWith('Mark setup')), titles2.join(', '));
  });

  it('lists functions and variables with their section in the outline', async () => {
    const uri = 'file:///nonexistent/fixes/outline.c';
    await session.open(uri, 'static int data __initdata = 1;\nstatic int __init m_init(void) { return data; }\n');
    const symbols = (await session.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as {
      name: string;
      detail: string;
    }[];
    assert.deepEqual(
      symbols.map((s) => `${s.name} ${s.detail}`),
      ['data .init.data (__initdata)', 'm_init .init.text (__init)'],
    );
  });

  it('lists static locals under their function, with their own section', async () => {
    const uri = 'file:///nonexistent/fixes/outline-locals.c';
    await session.open(uri, 'static int __init m_init(void)\n{\n\tstatic int (*hook)(void) = m_init;\n\treturn hook != 0;\n}\n');
    const symbols = (await session.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as {
      name: string;
      detail: string;
      children?: { name: string; detail: string }[];
    }[];
    assert.deepEqual(
      symbols.map((s) => [s.name, (s.children ?? []).map((c) => `${c.name} ${c.detail}`)]),
      [['m_init', ['hook .data']]],
    );
  });
});

/** Link findings need a module on disk (its Makefile names it) and a build dir's exports. */
const LINK_CASES: { code: string; source: string; title: RegExp }[] = [
  {
    code: 'missing-namespace-import',
    title: /^Add MODULE_IMPORT_NS\(DMA_BUF\)$/,
    source: 'static int __init m_init(void) { dma_buf_put(0); return 0; }\nmodule_init(m_init);\nMODULE_LICENSE("GPL");\n',
  },
  {
    code: 'namespace-import-syntax',
    title: /^Write MODULE_IMPORT_NS\(DMA_BUF\)$/,
    source:
      'static int __init m_init(void) { dma_buf_put(0); return 0; }\nmodule_init(m_init);\nMODULE_LICENSE("GPL");\nMODULE_IMPORT_NS("DMA_BUF");\n',
  },
  {
    code: 'missing-license',
    title: /^Add MODULE_LICENSE\("GPL"\)$/,
    source: 'static int __init m_init(void) { return 0; }\nmodule_init(m_init);\n',
  },
];

describe('quick fixes for link findings over LSP', function () {
  this.timeout(60_000);
  let session: LspSession;
  let kdir: string;
  const dirs: string[] = [];
  before(async () => {
    kdir = fakeKernelBuildDir([6, 1]);
    session = new LspSession({ kernelBuildDir: kdir });
    await session.initialize();
  });
  after(async () => {
    await session.close();
    for (const dir of [kdir, ...dirs]) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const c of LINK_CASES) {
    it(`${c.code}: "${c.title.source}" leaves no finding of that code`, async () => {
      const dir = writeModule({ Makefile: 'obj-m := m.o\n', 'm.c': c.source });
      dirs.push(dir);
      await fixClearsFinding(session, pathToFileURL(path.join(dir, 'm.c')).href, c.source, c.code, c.title, 30_000);
    });
  }
});
