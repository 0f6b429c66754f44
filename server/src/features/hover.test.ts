import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testKernel } from '../../../test/support/kernels';
import { pathToFileURL } from 'node:url';
import { MACRO_DOCS } from '../knowledge/macro-docs';
import { escapeProse } from './hover';
import { LspSession, REPO_ROOT } from '../../../test/support/lsp-client';
import { fakeKernelBuildDir, writeModule } from '../../../test/support/modules';

/** Section names mentioned in a doc's section field (it may carry version notes). */
const sectionNames = (section: string): string[] => section.match(/\.[a-z_][a-z0-9_.]*[a-z0-9_]/gi) ?? [];

describe('hover over LSP', function () {
  this.timeout(60_000);
  let session: LspSession;
  before(async () => {
    session = new LspSession({ kernelVersion: '6.1' });
    await session.initialize();
  });
  after(() => session.close());

  it(`explains every one of the ${MACRO_DOCS.length} macros in the knowledge table, with its section`, async () => {
    const uri = 'file:///nonexistent/hover/all-macros.c';
    const text = MACRO_DOCS.map((doc) => `${doc.name}\n`).join('');
    await session.open(uri, text);
    for (const [line, doc] of MACRO_DOCS.entries()) {
      const hover = (await session.connection.sendRequest('textDocument/hover', {
        textDocument: { uri },
        position: { line, character: 1 },
      })) as { contents: { value: string } } | null;
      assert.ok(hover && hover.contents.value.length > 0, `no hover for ${doc.name}`);
      assert.ok(hover.contents.value.includes(escapeProse(doc.summary)), `hover for ${doc.name} lacks its summary`);
      for (const section of sectionNames(doc.section ?? ''))
        assert.ok(hover.contents.value.includes(section), `hover for ${doc.name} does not mention ${section}`);
    }
  });

  it('shows hello3_data as .init.data and lists hello_3_exit as a mismatching reader', async () => {
    const file = path.join(REPO_ROOT, 'examples', 'hello-3', 'hello-3.c');
    const uri = pathToFileURL(file).href;
    await session.open(uri, fs.readFileSync(file, 'utf8'));
    const hover = (await session.connection.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: 11, character: 16 },
    })) as { contents: { value: string } };
    assert.match(
      hover.contents.value,
      /^`hello3_data` — variable in `\.init\.data` \(`__initdata`\) · freed right after the module init function returns/,
    );
    // Each reader is a link to its line.
    const line = (n: number): string => `\\[line ${n}\\]\\(${uri.replace(/[.]/g, '\\.')}#L${n}\\)`;
    assert.match(hover.contents.value, new RegExp(`\`hello_3_init\` \\(\`\\.init\\.text\`\\) ${line(16)}\n`));
    assert.match(hover.contents.value, new RegExp(`⚠ \`hello_3_exit\` \\(\`\\.exit\\.text\`\\) ${line(22)} — \\*\\*mismatch\\*\\*`));
  });

  it('shows the real definition of __initdata from the kernel headers when a build dir is configured [system]', async function () {
    const withHeaders = new LspSession({ kernelBuildDir: testKernel('6.1').kdir });
    try {
      await withHeaders.initialize();
      const file = path.join(REPO_ROOT, 'examples', 'hello-3', 'hello-3.c');
      const uri = pathToFileURL(file).href;
      await withHeaders.open(uri, fs.readFileSync(file, 'utf8'));
      const hover = (await withHeaders.connection.sendRequest('textDocument/hover', {
        textDocument: { uri },
        position: { line: 11, character: 26 },
      })) as { contents: { value: string } };
      assert.match(hover.contents.value, /freed/);
      // What a kernel developer reads first: the headline, then the #define with its link.
      const firstLines = hover.contents.value.split('\n').slice(0, 6).join('\n');
      assert.match(firstLines, /^`__initdata` — kernel annotation · section `\.init\.data`/);
      assert.match(firstLines, /\n#define __initdata\s+__section\("\.init\.data"\)$/m);
      const link = /Defined in \[([^\]]+):(\d+)\]\((file:\/\/[^#)]+)#L(\d+)\)/.exec(hover.contents.value);
      assert.ok(link, hover.contents.value);
      const header = fs.readFileSync(new URL(link[3]), 'utf8').split('\n')[Number(link[4]) - 1];
      assert.match(header, /#define __initdata\s+__section\("\.init\.data"\)/);
      const definition = (await withHeaders.connection.sendRequest('textDocument/definition', {
        textDocument: { uri },
        position: { line: 11, character: 26 },
      })) as { uri: string; range: { start: { line: number } } };
      assert.equal(definition.uri, link[3]);
      assert.equal(definition.range.start.line + 1, Number(link[4]));
    } finally {
      await withHeaders.close();
    }
  });
});

describe('hover: the headers a standalone kmod-lsp finds by itself', function () {
  this.timeout(60_000);

  it('detects installed headers as the extension does, also when only kmod.kernelVersion is set', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-sysroot-'));
    const kdir = path.join(root, 'usr', 'src', 'linux-headers-6.1.0-99-amd64');
    fs.mkdirSync(path.join(kdir, 'include', 'generated'), { recursive: true });
    fs.mkdirSync(path.join(kdir, 'include', 'linux'), { recursive: true });
    fs.writeFileSync(path.join(kdir, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 99\n');
    fs.writeFileSync(path.join(kdir, 'include', 'generated', 'utsrelease.h'), '#define UTS_RELEASE "6.1.0-99-amd64"\n');
    fs.writeFileSync(path.join(kdir, 'include', 'linux', 'init.h'), '/* fake */\n#define __initdata __section(".init.data")\n');
    const session = new LspSession({ kernelVersion: '6.1' }, [], undefined, { KMOD_SYSROOT: root });
    try {
      await session.initialize();
      const file = path.join(REPO_ROOT, 'examples', 'hello-3', 'hello-3.c');
      const uri = pathToFileURL(file).href;
      await session.open(uri, fs.readFileSync(file, 'utf8'));
      const definedIn = async () => {
        const hover = (await session.connection.sendRequest('textDocument/hover', {
          textDocument: { uri },
          position: { line: 11, character: 26 },
        })) as { contents: { value: string } };
        return /Defined in \[([^\]]+)\]/.exec(hover.contents.value)?.[1];
      };
      let found: string | undefined;
      for (let attempt = 0; attempt < 100 && !found; attempt++) {
        found = await definedIn();
        if (!found) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(found, 'the hover names the #define of the detected headers');
      assert.match(found, /linux\/init\.h:2$/);
    } finally {
      await session.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('hover: short, with the rest one click away, for a client that has the command', function () {
  this.timeout(60_000);
  it('links "More" to kmod.showMacroDoc and serves the whole text on kmod/macroDoc', async () => {
    const session = new LspSession({ kernelVersion: '6.1' });
    try {
      await session.initialize({ experimental: { kmodShowMacroDoc: true } });
      const uri = 'file:///nonexistent/hover/more.c';
      await session.open(uri, 'printk\n');
      const hover = (await session.connection.sendRequest('textDocument/hover', {
        textDocument: { uri },
        position: { line: 0, character: 2 },
      })) as { contents: { value: string } };
      assert.match(hover.contents.value, /^`printk\(KERN_<LEVEL> "fmt", \.\.\.\)` — kernel printk\n/);
      assert.match(hover.contents.value, /\[More about printk…\]\(command:kmod\.showMacroDoc\?%5B%22printk%22%5D /);
      assert.doesNotMatch(hover.contents.value, /Common mistakes/);
      const page = (await session.connection.sendRequest('kmod/macroDoc', { name: 'printk' })) as string;
      assert.match(page, /^# `printk\(KERN_<LEVEL> "fmt", \.\.\.\)`\n/);
      assert.match(page, /\*\*Common mistakes:\*\*/);
      assert.equal(await session.connection.sendRequest('kmod/macroDoc', { name: 'not_a_macro' }), null);
    } finally {
      await session.close();
    }
  });
});

describe('hover: export status from the build dir', function () {
  this.timeout(60_000);
  it('says whether a module can use a kernel function: exported (how), inline, or not exported', async () => {
    const kdir = fakeKernelBuildDir([6, 1]);
    const dir = writeModule({
      Makefile: 'obj-m := m.o\n',
      'm.c':
        'static int __init m_init(void) { struct file_like *f = kmalloc_attr(1); dma_buf_put(0); vfs_write(0, 0, 0, 0); return (long)kmalloc_like(1) + msleep(1) + f->fd; }\nmodule_init(m_init);\nMODULE_LICENSE("GPL");\n',
    });
    const session = new LspSession({ kernelBuildDir: kdir });
    try {
      await session.initialize();
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const loaded = session.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'undefined-symbol'), 30_000);
      await session.open(uri, fs.readFileSync(path.join(dir, 'm.c'), 'utf8'));
      await loaded;
      const hoverAt = async (character: number): Promise<string> =>
        (
          (await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character } })) as {
            contents: { value: string };
          }
        ).contents.value;
      const text = fs.readFileSync(path.join(dir, 'm.c'), 'utf8');
      const at = (name: string): number => text.indexOf(name) + 1;
      assert.match(
        await hoverAt(at('dma_buf_put')),
        /\*\*Exported\*\* by the kernel \(vmlinux\) with `EXPORT_SYMBOL_GPL` in namespace `DMA_BUF`: a module needs a GPL-compatible `MODULE_LICENSE` and `MODULE_IMPORT_NS\(DMA_BUF\)`/,
      );
      assert.match(await hoverAt(at('vfs_write')), /\*\*Not exported\*\* to modules by this kernel/);
      assert.match(await hoverAt(at('kmalloc_like')), /`static inline` in the kernel headers/);
      assert.match(await hoverAt(at('msleep')), /with `EXPORT_SYMBOL`: any module can use it/);
      // Attribute macros before the name (`__alloc_size(1)`) and struct definitions: the header line is found.
      assert.match(await hoverAt(at('kmalloc_attr')), /Defined in .*fs\.h:\d+[\s\S]*void \*kmalloc_attr\(unsigned long size\)/);
      assert.match(await hoverAt(at('file_like')), /Defined in .*fs\.h:\d+[\s\S]*struct file_like \{/);
    } finally {
      await session.close();
      fs.rmSync(kdir, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
