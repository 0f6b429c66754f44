// The lint tier's layer check (scripts/check-layers.mjs) must pass on this repository and fail on
// each kind of violation it exists to catch.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../support/paths';

type CheckLayers = (root: string) => string[];

async function loadChecker(): Promise<CheckLayers> {
  const module = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts/check-layers.mjs')).href)) as { checkLayers: CheckLayers };
  return module.checkLayers;
}

function writeTree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-layers-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('layer check (scripts/check-layers.mjs)', () => {
  it('finds nothing wrong in this repository', async () => {
    assert.deepEqual((await loadChecker())(REPO_ROOT), []);
  });

  it('fails on a package boundary, a layer inversion, vscode outside the client and a cycle', async () => {
    const root = writeTree({
      'shared/src/kbuild.ts': "import { check } from '../../server/src/engine/check';\nexport const k = check;\n",
      'server/src/engine/check.ts': 'export const check = 1;\n',
      'server/src/parsing/extract.ts': "import { check } from '../engine/check';\nexport const e = check;\n",
      'server/src/engine/a.ts': "import { b } from './b';\nexport const a = b;\n",
      'server/src/engine/b.ts': "import type { a } from './a';\nexport const b = 1 as unknown as typeof a;\n",
      'tools/src/run.ts': "import * as vscode from 'vscode';\nexport const v = vscode;\n",
      'client/src/extension.ts':
        "import * as vscode from 'vscode';\nimport { x } from '../../tools/src/run';\nexport const c = [vscode, x];\n",
      'client/src/ok.test.ts': "import { REPO } from '../../test/support/paths';\nexport const t = REPO;\n",
      'test/support/paths.ts': "export const REPO = '/';\n",
    });
    try {
      const problems = (await loadChecker())(root);
      const expected = [
        /^shared\/src\/kbuild\.ts \(shared\) imports server\/src\/engine\/check\.ts/,
        /^server\/src\/parsing\/extract\.ts \(server\/parsing\) imports server\/src\/engine\/check\.ts/,
        /^tools\/src\/run\.ts: imports 'vscode'/,
        /^client\/src\/extension\.ts \(client\) imports tools\/src\/run\.ts/,
        /^import cycle: server\/src\/engine\/a\.ts ⇄ server\/src\/engine\/b\.ts$/,
      ];
      for (const pattern of expected)
        assert.ok(
          problems.some((problem) => pattern.test(problem)),
          `no problem matches ${pattern}:\n${problems.join('\n')}`,
        );
      assert.equal(problems.length, expected.length, problems.join('\n'));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
