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

  it('takes its directory from initializationOptions (absolute only), null for none, else the XDG cache', () => {
    assert.equal(factsCacheDirOf({ factsCacheDir: '/x/facts' }), '/x/facts');
    assert.equal(factsCacheDirOf({ factsCacheDir: null }), undefined);
    assert.equal(factsCacheDirOf({ factsCacheDir: 'relative' }), defaultFactsCacheDir());
    assert.equal(factsCacheDirOf(undefined), defaultFactsCacheDir());
  });
});
