import * as assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { TypedDocument } from './typed-document';
import { prng } from '../../../test/support/random';

describe('TypedDocument (open documents, a run of keys applied once)', () => {
  it('reads as the library document after each of 3,000 random changes: typing, backspace, pastes, CRLF, whole texts', () => {
    const random = prng(3);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const start = 'static int x;\r\nint main(void)\n{\n\treturn 0;\n}\n';
    const library = TextDocument.create('file:///a.c', 'c', 0, start);
    const ours = TypedDocument.create('file:///a.c', 'c', 0, start);
    let cursor = 10;
    for (let version = 1; version <= 3000; version++) {
      const change = (): TextDocumentContentChangeEvent => {
        const text = library.getText();
        const position = (offset: number) => library.positionAt(offset);
        const roll = random();
        if (roll < 0.5) {
          // Typing at the cursor, as a person does (a completion inserts a word).
          const key = pick(['a', 'b', '\n', '\r', '\r\n', ' ', ';', '\t', 'kmalloc']);
          const at = position(cursor);
          cursor += key.length;
          return { range: { start: at, end: at }, text: key };
        }
        if (roll < 0.65) {
          // Backspace.
          const from = Math.max(0, cursor - 1);
          const range = { start: position(from), end: position(cursor) };
          cursor = from;
          return { range, text: '' };
        }
        if (roll < 0.98) {
          // A change anywhere (a quick fix, a paste, a selection replaced), sometimes with the range reversed.
          const a = Math.floor(random() * (text.length + 1));
          const b = Math.min(text.length, a + Math.floor(random() * 30));
          const inserted = pick(['', 'x', 'line\nline\n', '\r\n', '\n\n', 'é', '\r']);
          cursor = a + inserted.length;
          const range = random() < 0.1 ? { start: position(b), end: position(a) } : { start: position(a), end: position(b) };
          return { range, text: inserted };
        }
        cursor = 0;
        return { text: pick(['', 'int y;\n', '\r\n\r\n']) };
      };
      // An event of several changes: each is of the text the one before left.
      const changes: TextDocumentContentChangeEvent[] = [];
      for (let i = random() < 0.1 ? 3 : 1; i > 0; i--) {
        const next = change();
        changes.push(next);
        TextDocument.update(library, [next], version);
        cursor = Math.min(cursor, library.getText().length);
      }
      TypedDocument.update(ours, changes, version);
      const probe = Math.floor(random() * (library.getText().length + 3));
      const where = library.positionAt(probe);
      assert.equal(ours.version, version);
      assert.equal(ours.lineCount, library.lineCount, `version ${version}`);
      assert.deepEqual(ours.positionAt(probe), where, `version ${version}: positionAt(${probe})`);
      assert.equal(ours.offsetAt(where), library.offsetAt(where));
      const beyond = { line: where.line, character: where.character + Math.floor(random() * 5) };
      assert.equal(ours.offsetAt(beyond), library.offsetAt(beyond));
      const line = Math.floor(random() * (library.lineCount + 1));
      assert.deepEqual(ours.getLineRange(line), library.getLineRange(line));
      assert.equal(ours.getEOLCharacters(line), library.getEOLCharacters(line));
      if (version % 7 === 0) assert.equal(ours.getText(), library.getText(), `version ${version}`);
    }
    assert.equal(ours.getText(), library.getText());
  });

  it('reads as the library document after pastes of more lines than one splice takes', () => {
    const start = 'int a;\nint b;\n';
    const library = TextDocument.create('file:///p.c', 'c', 0, start);
    const ours = TypedDocument.create('file:///p.c', 'c', 0, start);
    const pasted = 'int x;\n'.repeat(12_000);
    const changes = [
      { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: pasted },
      { range: { start: { line: 5, character: 0 }, end: { line: 11_000, character: 2 } }, text: 'y' },
    ];
    for (const [i, change] of changes.entries()) {
      TextDocument.update(library, [change], i + 1);
      TypedDocument.update(ours, [change], i + 1);
      assert.equal(ours.lineCount, library.lineCount);
      for (const offset of [0, 10, 50_000, library.getText().length]) assert.deepEqual(ours.positionAt(offset), library.positionAt(offset));
      assert.equal(ours.getText(), library.getText());
    }
  });

  it('keeps a run of typed keys as one pending change: the text is put together when asked for', () => {
    const base = 'x'.repeat(100_000);
    const document = TypedDocument.create('file:///big.c', 'c', 0, base);
    document.getText();
    for (let i = 0; i < 50; i++) {
      const at = document.positionAt(50_000 + i);
      TypedDocument.update(document, [{ range: { start: at, end: at }, text: 'k' }], i + 1);
    }
    const pending = (document as unknown as { pending?: { text: string } }).pending;
    assert.equal(pending?.text, 'k'.repeat(50));
    assert.equal(document.getText(), `${base.slice(0, 50_000)}${'k'.repeat(50)}${base.slice(50_000)}`);
  });
});
