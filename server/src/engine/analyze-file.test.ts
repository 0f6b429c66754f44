import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCParser } from '../parsing/parser';
import { analyzeEditedFile, analyzeFile, diffEdit, type ParseState } from './analyze-file';

const OPTIONS = { version: [6, 1] as const, memoryHotplug: true, builtin: false };
const SEED = fs.readFileSync(path.resolve(__dirname, '../../../../examples/hello-3/hello-3.c'), 'utf8');

describe('incremental analysis of an edited file', () => {
  it('diffEdit finds the changed span with rows and columns', () => {
    const edit = diffEdit('ab\ncd\nef', 'ab\ncXYd\nef');
    assert.deepEqual([edit.startIndex, edit.oldEndIndex, edit.newEndIndex], [4, 4, 6]);
    assert.deepEqual([edit.startPosition, edit.oldEndPosition, edit.newEndPosition], [{ row: 1, column: 1 }, { row: 1, column: 1 }, { row: 1, column: 3 }]);
  });

  it('gives the same facts as a fresh parse after each of 200 random edits', async () => {
    const parser = await createCParser();
    let state: ParseState | undefined;
    let text = SEED;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
    const inserts = ['x', ' __initdata', '\n', 'hello3_data', ';', '}', '{', '(', '#if 0\n', '#endif\n', 'é', '/*', '*/'];
    for (let i = 0; i < 200; i++) {
      const at = Math.floor(random() * (text.length + 1));
      text = random() < 0.4 ? text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 4)) : text.slice(0, at) + inserts[Math.floor(random() * inserts.length)] + text.slice(at);
      const incremental = analyzeEditedFile(parser, 'x.c', text, OPTIONS, state);
      state = incremental.state;
      assert.deepEqual(incremental.result.facts, analyzeFile(parser, 'x.c', text, OPTIONS), `edit ${i}: ${JSON.stringify(text)}`);
    }
    state?.tree.delete();
  });
});
