// package.json and the README repeat the code's tables; `npm run generate` writes them, and this
// test fails when someone changed a table (or the generated text by hand) without regenerating.
import * as assert from 'node:assert/strict';
import { FINDING_CODE_NAMES, FINDING_CODES, QUICK_FIX_KINDS, type QuickFixKind } from '../../server/src/knowledge/finding-codes';
import { SETTINGS } from '../../shared/src/settings';
import { generatedFiles, generatedPackageJson, generatedReadme } from '../../tools/src/generate';
import { REPO_ROOT } from '../support/paths';

describe('generated parts of package.json and README.md', () => {
  for (const { file, current, generated } of generatedFiles(REPO_ROOT)) {
    it(`${file.slice(REPO_ROOT.length + 1)} is what npm run generate writes`, () => {
      assert.equal(current, generated, `${file} is stale: run npm run generate`);
    });
  }

  it('notices a hand-edited settings schema, finding-code row or matcher', () => {
    const [pkg, readme] = generatedFiles(REPO_ROOT).map((f) => f.current);
    const editedPkg = pkg.replace('"default": 60000', '"default": 1000');
    assert.notEqual(editedPkg, pkg);
    assert.notEqual(generatedPackageJson(editedPkg), editedPkg);
    const editedReadme = readme.replace('| `module-init-exit` | error |', '| `module-init-exit` | warning |');
    assert.notEqual(editedReadme, readme);
    assert.notEqual(generatedReadme(editedReadme), editedReadme);
  });

  it('declares every setting with a description and README text, and offers every finding code in disabledCodes', () => {
    for (const [key, setting] of Object.entries(SETTINGS)) {
      assert.ok(setting.description.length > 10 && setting.readme.length > 10, key);
    }
    const pkg = JSON.parse(generatedFiles(REPO_ROOT)[0].current) as {
      contributes: { configuration: { properties: Record<string, { items?: { enum?: string[] } }> } };
    };
    assert.deepEqual(pkg.contributes.configuration.properties['kmod.diagnostics.disabledCodes'].items?.enum, FINDING_CODE_NAMES);
  });

  it('gives the Settings UI Markdown whose setting and command links lead somewhere', () => {
    const pkg = JSON.parse(generatedFiles(REPO_ROOT)[0].current) as {
      contributes: { commands: { command: string }[]; configuration: { properties: Record<string, Record<string, unknown>> } };
    };
    const commands = new Set(pkg.contributes.commands.map((c) => c.command));
    const settings = pkg.contributes.configuration.properties;
    for (const [key, schema] of Object.entries(settings)) {
      assert.equal(schema.description, undefined, `${key}: description instead of markdownDescription`);
      assert.equal(schema.enumDescriptions, undefined, `${key}: enumDescriptions instead of markdownEnumDescriptions`);
      const text = [schema.markdownDescription, ...((schema.markdownEnumDescriptions as string[] | undefined) ?? [])].join('\n');
      for (const [, command] of text.matchAll(/\]\(command:([\w.]+)/g)) assert.ok(commands.has(command), `${key} links to ${command}`);
      for (const [, setting] of text.matchAll(/`#([\w.]+)#`/g))
        assert.ok(setting in settings || setting === 'files.exclude', `${key} links to the setting ${setting}`);
    }
  });

  it('uses every quick-fix kind for some finding code', () => {
    const used = new Set<QuickFixKind>(FINDING_CODE_NAMES.flatMap((code) => FINDING_CODES[code].quickFixes));
    assert.deepEqual([...used].sort(), [...QUICK_FIX_KINDS].sort());
  });
});
