import * as assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { applyMatcher } from '../../../shared/src/problem-matchers';
import type { Finding } from '../../../server/src/model/types';
import { crashPosition } from './explain';

describe('where a VM crash line goes', () => {
  const file = '/home/dev/hello-3/hello-3.c';
  const finding = (line: number, start: number, end: number) =>
    ({
      uri: pathToFileURL(file).href,
      range: { start: { line, character: start }, end: { line, character: end } },
    }) as Finding;

  it('on the identifier of the finding that explains it, when that is on the crash line', () => {
    const position = crashPosition(file, 22, finding(21, 41, 52));
    assert.equal(position, '22:42-53');
    const problem = applyMatcher('kmod-vm', `${file}:${position}: error: BUG in hello_3_exit+0x0 [vm]`);
    assert.deepEqual([problem?.line, problem?.column, problem?.endColumn], [22, 42, 53]);
  });

  it('on the whole line otherwise', () => {
    assert.equal(crashPosition(file, 22, undefined), '22');
    assert.equal(crashPosition(file, 22, finding(11, 11, 22)), '22');
    assert.equal(crashPosition('/elsewhere/hello-3.c', 22, finding(21, 41, 52)), '22');
  });
});
