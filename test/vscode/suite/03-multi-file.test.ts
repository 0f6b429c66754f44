// A two-file module (fixtures/workspace/multi: Kbuild `multi-y := a.o b.o`): b.c's exit function reads
// multi_seed, defined __initdata in a.c. Only b.c is opened, so the server has to follow the Kbuild.
import * as assert from 'assert';
import { describeDiagnostics, openInEditor, rangeOf, waitForSectionMismatch, workspaceUri } from './helpers';

describe('section mismatch across files of one module', () => {
  it('reports the reference in b.c to __initdata defined in a.c', async () => {
    const uri = workspaceUri('multi', 'b.c');
    const document = (await openInEditor(uri)).document;
    const diagnostics = await waitForSectionMismatch(uri);
    const reference = rangeOf(document, 'pr_info("multi: bye', 'multi_seed');
    assert.ok(
      diagnostics.some((d) => d.range.start.line === reference.start.line && d.range.start.character === reference.start.character),
      `expected a finding at ${reference.start.line + 1}:${reference.start.character + 1}; got ${describeDiagnostics(uri)}`,
    );
    assert.ok(
      !diagnostics.some((d) => d.range.start.line !== reference.start.line),
      `unexpected findings elsewhere in b.c: ${describeDiagnostics(uri)}`,
    );
  });
});
