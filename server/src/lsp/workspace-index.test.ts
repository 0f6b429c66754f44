import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspSession } from '../../../test/support/lsp-client';
import { writeModule } from '../../../test/support/modules';

describe('background workspace index over LSP', function () {
  this.timeout(60_000);

  it('publishes findings of files nobody opened, with progress, and re-checks a file changed on disk', async () => {
    const root = writeModule({
      'seedlike/Makefile': 'obj-m += seedlike.o\n',
      'seedlike/seedlike.c': 'static int d __initdata = 1;\nstatic void __exit bye(void) { pr_info("%d", d); }\nmodule_exit(bye);\n',
      'clean/Makefile': 'obj-m += clean.o\n',
      'clean/clean.c': 'static int d = 1;\nstatic void __exit bye(void) { pr_info("%d", d); }\nmodule_exit(bye);\n',
      'node_modules/ignored.c': 'static int d __initdata = 1;\nvoid f(void) { d = 2; }\n',
      'skipme/skipped.c': 'static int d __initdata = 1;\nvoid f(void) { d = 2; }\n',
      // An object built from assembler: the module lists a source that is not a C file here.
      'mixed/Kbuild': 'obj-m += mixed.o\nmixed-y := glue.o fast.o\n',
      'mixed/glue.c': 'int glue(void) { return 0; }\n',
      'mixed/fast.S': '/* assembler */\n',
    });
    const session = new LspSession({ kernelVersion: '6.1', index: { exclude: ['skipme'] } }, [root]);
    try {
      const seedUri = pathToFileURL(path.join(root, 'seedlike', 'seedlike.c')).href;
      const published = session.diagnostics(seedUri, (p) => p.diagnostics.length > 0);
      await session.initialize();
      const { diagnostics } = await published;
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.range.start.line]),
        [['section-mismatch', 1]],
      );
      // Let the run finish, then check what it published and reported.
      await waitFor(() => session.progress.some((p) => p.kind === 'end'), 20_000);
      assert.equal(session.progress[0].kind, 'begin');
      assert.ok(session.progress.some((p) => p.kind === 'report' && p.percentage === 100));
      // Each C file counts once (not the assembler object's); the last report says all of them.
      const reports = session.progress.filter((p) => p.kind === 'report');
      assert.equal(reports[reports.length - 1].message, '3/3 files');
      const uris = new Set(session.published.map((p) => p.uri));
      assert.ok(!uris.has(pathToFileURL(path.join(root, 'clean', 'clean.c')).href), 'a clean file gets no diagnostics');
      assert.ok(![...uris].some((u) => u.includes('node_modules') || u.includes('skipme')), [...uris].join(', '));

      // Fix the file on disk and tell the server, as VS Code's file watcher does.
      fs.writeFileSync(
        path.join(root, 'seedlike', 'seedlike.c'),
        'static int d = 1;\nstatic void __exit bye(void) { pr_info("%d", d); }\nmodule_exit(bye);\n',
      );
      const cleared = session.diagnostics(seedUri, (p) => p.diagnostics.length === 0);
      await session.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: seedUri, type: 2 }] });
      await cleared;
    } finally {
      await session.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('background index: folders deleted, moved and created', function () {
  this.timeout(60_000);
  it('drops the findings of a deleted folder, moves them with a renamed one, and checks a new one', async () => {
    const buggy = 'static int d __initdata = 1;\nstatic void __exit bye(void) { pr_info("%d", d); }\nmodule_exit(bye);\n';
    const root = writeModule({
      'stress/Makefile': 'obj-m += m.o\n',
      'stress/m.c': buggy,
      'stress/inc/h.h': 'static inline int h(void) { return 0; }\n',
      'stress/deep/Kbuild': 'obj-m += deep.o\n',
      'stress/deep/deep.c': buggy,
      'keep/Makefile': 'obj-m += keep.o\n',
      'keep/keep.c': buggy,
    });
    const uri = (...parts: string[]): string => pathToFileURL(path.join(root, ...parts)).href;
    const session = new LspSession({ kernelVersion: '6.1' }, [root]);
    const changed = (changes: { uri: string; type: 1 | 2 | 3 }[]) =>
      session.connection.sendNotification('workspace/didChangeWatchedFiles', { changes });
    try {
      const indexed = Promise.all(
        [uri('stress', 'm.c'), uri('stress', 'deep', 'deep.c'), uri('keep', 'keep.c')].map((u) =>
          session.diagnostics(u, (p) => p.diagnostics.length > 0),
        ),
      );
      await session.initialize();
      await indexed;

      // Explorer → Rename: one deletion for the old folder and one creation for the new one.
      fs.renameSync(path.join(root, 'stress'), path.join(root, 'moved'));
      const movedOut = Promise.all(
        [uri('stress', 'm.c'), uri('stress', 'deep', 'deep.c')].map((u) => session.diagnostics(u, (p) => p.diagnostics.length === 0)),
      );
      const movedIn = Promise.all(
        [uri('moved', 'm.c'), uri('moved', 'deep', 'deep.c')].map((u) => session.diagnostics(u, (p) => p.diagnostics.length > 0)),
      );
      await changed([
        { uri: uri('stress'), type: 3 },
        { uri: uri('moved'), type: 1 },
      ]);
      await Promise.all([movedOut, movedIn]);

      // rm -rf: one deletion for the folder. Build outputs appearing meanwhile change nothing.
      fs.rmSync(path.join(root, 'moved'), { recursive: true, force: true });
      fs.writeFileSync(path.join(root, 'keep', 'keep.o'), '');
      const before = session.published.length;
      const gone = Promise.all(
        [uri('moved', 'm.c'), uri('moved', 'deep', 'deep.c')].map((u) => session.diagnostics(u, (p) => p.diagnostics.length === 0)),
      );
      await changed([
        { uri: uri('keep', 'keep.o'), type: 1 },
        { uri: uri('moved'), type: 3 },
      ]);
      await gone;
      const since = session.published.slice(before);
      assert.ok(!since.some((p) => p.uri === uri('keep', 'keep.c')), 'the module beside it is left alone');
    } finally {
      await session.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('background index: built-in code across vmlinux', function () {
  this.timeout(60_000);
  it("reports a built-in caller of another directory's __init function", async () => {
    const root = writeModule({
      'core/Makefile': 'obj-y += setup.o\n',
      'core/setup.c': 'int __init early_setup(void) { return 0; }\n',
      'drv/Makefile': 'obj-y += user.o\n',
      'drv/user.c': 'int runtime(void) { return early_setup(); }\n',
    });
    const session = new LspSession({ kernelVersion: '6.1' }, [root]);
    try {
      const uri = pathToFileURL(path.join(root, 'drv', 'user.c')).href;
      const published = session.diagnostics(uri, (p) => p.diagnostics.length > 0);
      await session.initialize();
      const { diagnostics } = await published;
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]),
        [['section-mismatch', 0, 27]],
      );
    } finally {
      await session.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
