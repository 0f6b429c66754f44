import * as assert from 'node:assert/strict';
import { isSuppressed, suppressionsEdited, suppressionsIn } from './suppressions';
import { changedSpan } from './changed-span';
import { LineIndex } from './line-index';

describe('kmod-ignore comments', () => {
  it('silences its own line, or the next one, for the codes it lists', () => {
    const text = [
      'int a = d; // kmod-ignore section-mismatch',
      '// kmod-ignore-next-line section-mismatch, export-init-exit -- read before init ends',
      'int b = d;',
      '\tint c = d; /* kmod-ignore: section-mismatch */ int e = d;',
      '/* kmod-ignore */',
    ].join('\n');
    assert.deepEqual(suppressionsIn(text), [
      { line: 0, codes: ['section-mismatch'] },
      { line: 2, codes: ['section-mismatch', 'export-init-exit'] },
      { line: 3, codes: ['section-mismatch'] },
      { line: 4 },
    ]);
    const found = suppressionsIn(text);
    assert.ok(isSuppressed(found, 2, 'export-init-exit'));
    assert.ok(!isSuppressed(found, 1, 'section-mismatch'), 'the next-line comment does not silence its own line');
    assert.ok(!isSuppressed(found, 0, 'export-init-exit'), 'only the listed codes');
    assert.ok(isSuppressed(found, 4, 'missing-license'), 'no codes: every code');
  });

  it('ignores look-alikes, prose and text without the marker', () => {
    assert.deepEqual(suppressionsIn('int kmod_ignore;\n'), []);
    assert.deepEqual(suppressionsIn('// kmod-ignored section-mismatch\n// kmod-ignore-next-lines x\n'), []);
    // A sentence after the marker is not a code list: it must not silence every finding.
    assert.deepEqual(suppressionsIn('x(); // kmod-ignore This is fine, I checked\n'), []);
    assert.deepEqual(suppressionsIn('s = "kmod-ignore";\n'), []);
  });

  it('after an edit: the same as a fresh search, whatever the edit adds, removes or breaks', () => {
    let seed = 5;
    const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
    const bits = ['x', '\n', '/', '*', '//', '/*', ' kmod-ignore', ' kmod-ignore-next-line', ' section-mismatch', ',', '--', 'é', '\r\n'];
    let text = 'int a; // kmod-ignore section-mismatch\n// kmod-ignore-next-line\nint b;\nint c;\n'.repeat(20);
    let found = suppressionsIn(text);
    for (let step = 0; step < 2000; step++) {
      const at = Math.floor(random() * (text.length + 1));
      const next =
        random() < 0.4
          ? text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 12))
          : text.slice(0, at) + bits[Math.floor(random() * bits.length)] + text.slice(at);
      const change = changedSpan(text, next);
      const previousLines = new LineIndex(text);
      const firstLine = previousLines.positionAt(change.start).line;
      const added = new LineIndex(next).positionAt(change.newEnd).line - previousLines.positionAt(change.oldEnd).line;
      found = suppressionsEdited(found, text, next, change, firstLine, added);
      text = next;
      assert.deepEqual(found, suppressionsIn(text), `step ${step}`);
    }
  });
});
