import * as assert from 'node:assert/strict';
import { miQuote, parseMiLine } from './gdb-mi';

describe('gdb/MI output records', () => {
  it('reads result records with tokens, tuples, lists of results and C strings', () => {
    const record = parseMiLine(
      '11^done,bkpt={number="3",type="breakpoint",addr="<PENDING>",pending="/w/hello-3.c:16",thread-groups=["i1"],times="0"}',
    );
    assert.deepEqual(record, {
      kind: 'result',
      token: 11,
      resultClass: 'done',
      results: {
        bkpt: { number: '3', type: 'breakpoint', addr: '<PENDING>', pending: '/w/hello-3.c:16', 'thread-groups': ['i1'], times: '0' },
      },
    });
    const stack = parseMiLine('9^done,stack=[frame={level="0",func="hello_3_exit",line="22"},frame={level="1",func="??"}]');
    assert.equal(stack.kind, 'result');
    assert.deepEqual(stack.kind === 'result' && stack.results.stack, [
      { level: '0', func: 'hello_3_exit', line: '22' },
      { level: '1', func: '??' },
    ]);
  });

  it('reads async and stream records, unescaping C strings (quotes, newlines, octal)', () => {
    assert.deepEqual(parseMiLine('*stopped,reason="breakpoint-hit",bkptno="1",thread-id="1"'), {
      kind: 'exec',
      asyncClass: 'stopped',
      results: { reason: 'breakpoint-hit', bkptno: '1', 'thread-id': '1' },
    });
    assert.deepEqual(parseMiLine('~"22\\t\\tprintk(KERN_INFO \\"Goodbye\\\\n\\");\\n"'), {
      kind: 'console',
      text: '22\t\tprintk(KERN_INFO "Goodbye\\n");\n',
    });
    assert.deepEqual(parseMiLine('&"caf\\303\\251\\n"'), { kind: 'log', text: 'caf\u00c3\u00a9\n' });
    assert.deepEqual(parseMiLine('(gdb) '), { kind: 'prompt' });
  });

  it('never throws: broken lines come back unparsed', () => {
    for (const line of ['^done,x=', '12^error,msg="unterminated', '*stopped,{', '~', '=x,a=[1,', '^done,a={b="c"']) {
      assert.equal(parseMiLine(line).kind, 'unparsed', line);
    }
    assert.equal(parseMiLine('^done,x=').kind, 'unparsed');
    assert.equal(parseMiLine('plain inferior output').kind, 'unparsed');
  });

  it('quotes command arguments so a path or expression cannot break the command line', () => {
    assert.equal(miQuote('/tmp/a "b"\\c.c:22'), '"/tmp/a \\"b\\"\\\\c.c:22"');
    assert.equal(miQuote('x\ny'), '"x\\ny"');
    assert.deepEqual(parseMiLine(`~${miQuote('/tmp/a "b"\\c.c')}`), { kind: 'console', text: '/tmp/a "b"\\c.c' });
  });
});
