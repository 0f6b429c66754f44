import * as assert from 'node:assert/strict';
import { isSuppressed, suppressionsIn } from './suppressions';

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
});
