import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspSession, REPO_ROOT } from '../../../test/support/lsp-client';
import { writeModule } from '../../../test/support/modules';

const SEED = path.join(REPO_ROOT, 'examples', 'hello-3', 'hello-3.c');
const SEED_URI = pathToFileURL(SEED).href;

describe('language server over stdio', function () {
  this.timeout(30_000);
  let session: LspSession;

  beforeEach(async () => {
    session = new LspSession({ kernelVersion: '6.1' });
    await session.initialize();
  });
  afterEach(() => session.close());

  it('publishes the seed finding on hello3_data inside hello_3_exit', async () => {
    const text = fs.readFileSync(SEED, 'utf8');
    const published = session.diagnostics(SEED_URI, (p) => p.diagnostics.length > 0);
    await session.open(SEED_URI, text);
    const { diagnostics } = await published;
    assert.equal(diagnostics.length, 1);
    const [d] = diagnostics;
    assert.equal(d.code, 'section-mismatch');
    assert.equal(d.source, 'kmod');
    assert.deepEqual(d.range, { start: { line: 21, character: 41 }, end: { line: 21, character: 52 } });
    assert.equal(text.split('\n')[21].slice(41, 52), 'hello3_data');
    assert.match(d.message, /cleanup_module -> hello3_data/);
  });

  it('clears the diagnostic when the edit fixes the file, and answers hover and code actions', async () => {
    const text = fs.readFileSync(SEED, 'utf8');
    const first = session.diagnostics(SEED_URI, (p) => p.diagnostics.length > 0);
    await session.open(SEED_URI, text);
    const [diagnostic] = (await first).diagnostics;

    const actions = (await session.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: SEED_URI },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    })) as {
      title: string;
      edit: {
        changes: Record<
          string,
          { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]
        >;
      };
    }[];
    assert.equal(actions[0].title, 'Remove __initdata from hello3_data');
    const [edit] = actions[0].edit.changes[SEED_URI];
    const lines = text.split('\n');
    const line = lines[edit.range.start.line];
    lines[edit.range.start.line] = line.slice(0, edit.range.start.character) + edit.newText + line.slice(edit.range.end.character);
    assert.equal(lines[11], 'static int hello3_data = 3;');

    const hover = (await session.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: SEED_URI },
      position: { line: 11, character: 15 },
    })) as { contents: { value: string } };
    assert.match(hover.contents.value, /\.init\.data/);
    assert.match(hover.contents.value, /hello_3_exit.*mismatch/);

    const cleared = session.diagnostics(SEED_URI, (p) => p.version === 2);
    await session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: SEED_URI, version: 2 },
      contentChanges: [{ text: lines.join('\n') }],
    });
    assert.deepEqual((await cleared).diagnostics, []);
  });
});

describe('language server: translation units of open files', function () {
  this.timeout(30_000);
  let session: LspSession;
  let dir: string;

  beforeEach(async () => {
    dir = writeModule({
      Kbuild: 'obj-m += m.o\nm-y := main.o\nccflags-y := -I$(src)/include\n',
      'include/m.h': '#pragma once\nint __init setup(void);\nstatic inline int kick(void) { return setup(); }\n',
      'main.c': '#include "m.h"\n#include "leds.c"\nint setup(void) { return 0; }\nint attach(void) { return kick() + leds_on(); }\n',
      'leds.c': 'static int __init leds_probe(void) { return 0; }\nstatic int leds_on(void) { return leds_probe(); }\n',
    });
    session = new LspSession({ kernelVersion: '6.1' });
    await session.initialize();
  });
  afterEach(async () => {
    await session.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [file, line, code] of [
    ['include/m.h', 2, 'section-mismatch'],
    ['leds.c', 1, 'section-mismatch'],
  ] as const) {
    it(`publishes the finding in ${file} when it is open, from the unit that includes it`, async () => {
      const uri = pathToFileURL(path.join(dir, file)).href;
      const published = session.diagnostics(uri, (p) => p.diagnostics.length > 0);
      await session.open(uri, fs.readFileSync(path.join(dir, file), 'utf8'));
      const { diagnostics } = await published;
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.range.start.line]),
        [[code, line]],
      );
    });
  }

  it('follows an edit of an open header in the unit of the including file', async () => {
    const header = pathToFileURL(path.join(dir, 'include/m.h')).href;
    const main = pathToFileURL(path.join(dir, 'main.c')).href;
    const text = fs.readFileSync(path.join(dir, 'include/m.h'), 'utf8');
    const first = session.diagnostics(header, (p) => p.diagnostics.length > 0);
    await session.open(header, text);
    await first;
    await session.open(main, fs.readFileSync(path.join(dir, 'main.c'), 'utf8'));
    // The prototype loses __init: setup is plain .text, kick's reference is fine.
    const cleared = session.diagnostics(header, (p) => p.version === 2 && p.diagnostics.length === 0);
    await session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: header, version: 2 },
      contentChanges: [{ text: text.replace('int __init setup', 'int setup') }],
    });
    await cleared;
  });
});
