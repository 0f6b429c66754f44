import * as assert from 'node:assert/strict';
import { changedSpan } from './changed-span';
import { LineIndex } from './line-index';
import { randomEdit } from '../../../test/support/large-c';

describe('line index', () => {
  it('gives positions and offsets, the last line without a line break too', () => {
    const lines = new LineIndex('ab\n\ncd');
    assert.deepEqual(lines.positionAt(0), { line: 0, character: 0 });
    assert.deepEqual(lines.positionAt(3), { line: 1, character: 0 });
    assert.deepEqual(lines.positionAt(6), { line: 2, character: 2 });
    assert.equal(lines.offsetAt({ line: 2, character: 1 }), 5);
    assert.equal(lines.offsetAt({ line: 0, character: 9 }), 3, 'a character past the line end stops at the next line');
  });

  it('edited: the index carried over from the previous text matches a fresh one, edit after edit', () => {
    let seed = 17;
    const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
    let text = 'int a;\nstatic int b(void)\n{\n\treturn 0;\n}\n'.repeat(40);
    let lines = new LineIndex(text);
    for (let step = 0; step < 500; step++) {
      const next = randomEdit(text, random);
      lines = LineIndex.edited(lines, next, changedSpan(text, next));
      text = next;
      const fresh = new LineIndex(text);
      for (let offset = 0; offset <= text.length; offset += 1 + Math.floor(random() * 40))
        assert.deepEqual(lines.positionAt(offset), fresh.positionAt(offset), `step ${step}, offset ${offset}`);
      const last = fresh.positionAt(text.length).line;
      assert.deepEqual(lines.positionAt(text.length), { line: last, character: fresh.positionAt(text.length).character });
    }
  });
});
