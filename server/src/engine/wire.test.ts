import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCParser } from '../parsing/parser';
import { analyzeFile, unanalyzableFacts } from './analyze-file';
import { packFacts, unpackFacts } from './wire';
import { DEBIAN_CONFIG } from '../knowledge/kernel-config';

const OPTIONS = { version: [6, 1] as const, config: DEBIAN_CONFIG, builtin: false };

describe('facts on the wire between a worker and the main thread', () => {
  it('come back equal after packing, for real files and for unanalyzable ones', async () => {
    const parser = await createCParser();
    for (const file of ['examples/hello-3/hello-3.c', 'test/kbuild/fixtures/mixed/mixed.c', 'test/kbuild/fixtures/multi/main.c']) {
      const facts = analyzeFile(parser, file, fs.readFileSync(path.resolve(__dirname, '../../../..', file), 'utf8'), OPTIONS);
      assert.ok(facts.references.length > 0, file);
      const { wire, transfer } = packFacts(facts);
      assert.equal(transfer.length, 3);
      // What the receiver gets is a structured clone of the wire form.
      assert.deepEqual(unpackFacts(structuredClone(wire)), facts, file);
    }
    const rejected = unanalyzableFacts('x.c', 'file looks binary');
    assert.deepEqual(unpackFacts(structuredClone(packFacts(rejected).wire)), rejected);
  });
});
