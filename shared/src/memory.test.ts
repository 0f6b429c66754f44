import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVER_ENVIRONMENT, SERVER_NODE_OPTIONS } from './memory';

describe('the language server’s Node options', () => {
  it('are those kmod-lsp starts Node with (its first line cannot import them)', () => {
    const script = path.join(__dirname, '..', '..', '..', 'bin', 'kmod-lsp');
    const firstLine = fs.readFileSync(script, 'utf8').split('\n')[0];
    const words = firstLine.replace(/^#!\/usr\/bin\/env -S /, '').split(' ');
    const node = words.indexOf('node');
    assert.ok(node > 0, firstLine);
    assert.deepEqual(words.slice(node + 1), [...SERVER_NODE_OPTIONS]);
    assert.deepEqual(
      words.slice(0, node),
      Object.entries(SERVER_ENVIRONMENT).map(([name, value]) => `${name}=${value}`),
    );
  });
});
