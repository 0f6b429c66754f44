import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LspSession, type PublishedDiagnostics } from '../../../test/support/lsp-client';
import { writeModule } from '../../../test/support/modules';
import { factsCacheDirOf } from './settings';
import { defaultFactsCacheDir } from '../engine/facts-cache';

const BUGGY = 'static int d __initdata = 1;\nstatic void __exit bye(void) { pr_info("%d", d); }\nmodule_exit(bye);\n';

/** A small tree: modules with and without findings, a shared header, a built-in object and an unlisted file. */
const TREE: Record<string, string> = {
  'a/Makefile': 'obj-m += a.o\na-y := one.o two.o\n',
  'a/one.c': '#include "shared.h"\nstatic int __init one_init(void) { return helper(); }\nmodule_init(one_init);\n',
  'a/two.c': BUGGY,
  'a/shared.h': 'static inline int helper(void) { extern int __initdata table; return table; }\n',
  'b/Kbuild': 'obj-y += b.o\n',
  'b/b.c': 'int __init b_setup(void) { return 0; }\nint b_later(void) { return b_setup(); }\n',
  'loose/loose.c': BUGGY.replace('bye', 'loose_bye'),
  'clean/Makefile': 'obj-m += clean.o\n',
  'clean/clean.c': 'static int d = 1;\nstatic void __exit bye(void) { pr_info("%d", d); }\nmodule_exit(bye);\n',
};

/** Every entry of the cache with its time stamp: unchanged means nothing was written. */
function entries(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const name of fs.readdirSync(dir, { recursive: true }).map(String)) {
    const file = path.join(dir, name);
    if (/^[0-9a-f]{2}\/[0-9a-f]{62}$/.test(name)) found.set(name, fs.statSync(file).mtimeMs);
  }
  return found;
}

/** Indexes `root` in a fresh server with `cacheDir`; the last diagnostics published per file once the index ends. */
async function index(root: string, cacheDir: string): Promise<Record<string, PublishedDiagnostics['diagnostics']>> {
  const session = new LspSession({ kernelVersion: '6.1', factsCacheDir: cacheDir }, [root]);
  try {
    await session.initialize();
    const started = Date.now();
    while (!session.progress.some((p) => p.kind === 'end')) {
      if (Date.now() - started > 30_000) throw new Error(`the index did not end; stderr: ${session.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const last: Record<string, PublishedDiagnostics['diagnostics']> = {};
    for (const p of session.published) last[path.relative(root, new URL(p.uri).pathname)] = p.diagnostics;
    return last;
  } finally {
    await session.close();
  }
}

describe('background index with the facts cache', function () {
  this.timeout(90_000);

  it('reopened, reads every file from the cache and publishes the same findings; corrupt entries are analyzed again', async () => {
    const root = writeModule(TREE);
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-index-cache-'));
    try {
      const cold = await index(root, cacheDir);
      assert.ok(
        Object.values(cold).some((diagnostics) => diagnostics.length > 0),
        JSON.stringify(cold),
      );
      const stored = entries(cacheDir);
      assert.ok(stored.size >= 6, `${stored.size} entries`);

      const warm = await index(root, cacheDir);
      assert.deepEqual(warm, cold);
      assert.deepEqual(entries(cacheDir), stored, 'a warm reopen writes nothing');

      // Damage every entry: each is dropped, the file analyzed again, and the findings stay.
      for (const name of stored.keys()) {
        const file = path.join(cacheDir, name);
        const bytes = fs.readFileSync(file);
        bytes[bytes.length >> 1] ^= 0xff;
        fs.writeFileSync(file, bytes);
      }
      const recovered = await index(root, cacheDir);
      assert.deepEqual(recovered, cold);
      const rewritten = entries(cacheDir);
      assert.deepEqual([...rewritten.keys()].sort(), [...stored.keys()].sort());
      assert.ok([...rewritten].every(([name, mtime]) => mtime >= stored.get(name)!));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('reopened after a change, checks again the modules it touches (an edited header, a header that appears earlier on the include path), as a fresh index does', async () => {
    const root = writeModule({
      ...TREE,
      'c/Makefile': 'obj-m += c.o\nccflags-y := -I$(src)/inc\n',
      'c/c.c': '#include "x.h"\nstatic int __init c_init(void) { return x_value(); }\nmodule_init(c_init);\n',
      'c/inc/x.h': 'static inline int x_value(void) { return 1; }\n',
    });
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-index-cache-'));
    const fresh = async () => {
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-index-fresh-'));
      try {
        return await index(root, empty);
      } finally {
        fs.rmSync(empty, { recursive: true, force: true });
      }
    };
    const buggyHeader =
      'static int x_data __initdata = 2;\nstatic inline int x_value(void) { return 1; }\nstatic void __exit x_bye(void) { pr_info("%d", x_data); }\nmodule_exit(x_bye);\n';
    try {
      const cold = await index(root, cacheDir);
      assert.equal(cold['c/inc/x.h']?.length ?? 0, 0);
      assert.deepEqual(await index(root, cacheDir), cold);

      // A header that appears where the include is looked for first: the module's units change.
      fs.writeFileSync(path.join(root, 'c', 'x.h'), buggyHeader);
      const shadowed = await index(root, cacheDir);
      assert.equal(shadowed['c/x.h']?.length, 1, JSON.stringify(shadowed));
      assert.deepEqual(shadowed, await fresh());

      // An edited header: its finding goes.
      fs.writeFileSync(path.join(root, 'c', 'x.h'), 'static inline int x_value(void) { return 3; }\n');
      const edited = await index(root, cacheDir);
      assert.equal(edited['c/x.h']?.length ?? 0, 0, JSON.stringify(edited));
      assert.deepEqual(edited, await fresh());

      // A source edited: the module's finding goes, the others' stay.
      fs.writeFileSync(path.join(root, 'a', 'two.c'), 'static int d = 1;\n');
      const source = await index(root, cacheDir);
      assert.equal(source['a/two.c']?.length ?? 0, 0, JSON.stringify(source));
      assert.ok((source['loose/loose.c']?.length ?? 0) > 0);
      assert.deepEqual(source, await fresh());
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('takes its directory from initializationOptions (absolute only), null for none, else the XDG cache', () => {
    assert.equal(factsCacheDirOf({ factsCacheDir: '/x/facts' }), '/x/facts');
    assert.equal(factsCacheDirOf({ factsCacheDir: null }), undefined);
    assert.equal(factsCacheDirOf({ factsCacheDir: 'relative' }), defaultFactsCacheDir());
    assert.equal(factsCacheDirOf(undefined), defaultFactsCacheDir());
  });
});
