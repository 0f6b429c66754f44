// Ground truth: builds fixture modules with real kbuild against Debian's kernel headers and checks
// that kmodcheck's findings are exactly modpost's warnings (plus the listed cases modpost cannot
// see), mapping modpost's init_module/cleanup_module aliases to the real functions.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzePaths } from '../../server/src/engine/project';
import { parseModpostLine } from '../../server/src/modpost/modpostFormats';
import { LspSession } from '../../server/src/test-support/lsp-client';
import { buildModule, copyToTemp, findKernelHeaders, REPO } from './kbuild-helpers';

const FIXTURES = path.join(REPO, 'test', 'kbuild', 'fixtures');
const MISMATCH_CODES = new Set(['section-mismatch', 'module-exit-init', 'module-init-exit']);

/** "mismatch from->to" / "export sym" pairs modpost printed, aliases resolved through the module's facts. */
function modpostPairs(log: string, aliases: Map<string, string>): string[] {
  const real = (symbol: string): string => aliases.get(symbol) ?? symbol;
  const pairs: string[] = [];
  for (const line of log.split('\n')) {
    const d = parseModpostLine(line);
    if (d?.kind === 'section-mismatch' && d.from && d.to) {
      // module_exit(f): modpost names the hidden pointer `__UNIQUE_ID___addressable_cleanup_module<N>`.
      const hidden = /__UNIQUE_ID_+addressable_(init_module|cleanup_module)/.exec(d.from.symbol)?.[1];
      pairs.push(`mismatch ${hidden ?? real(d.from.symbol)}->${real(d.to.symbol)}`);
    } else if (d?.kind === 'export-init-exit' && d.symbol) {
      pairs.push(`export ${d.symbol}`);
    }
  }
  return pairs.sort();
}

async function ourPairs(dir: string, kdir: string): Promise<{ pairs: string[]; aliases: Map<string, string> }> {
  const analysis = await analyzePaths([dir], { kdir });
  const aliases = new Map<string, string>();
  for (const file of analysis.files) {
    for (const use of file.macroUses) {
      if (use.macro === 'module_init') aliases.set('init_module', use.argument);
      if (use.macro === 'module_exit') aliases.set('cleanup_module', use.argument);
    }
  }
  const pairs = analysis.findings.flatMap((f) => {
    if (MISMATCH_CODES.has(f.code)) return [`mismatch ${f.from?.symbol}->${f.to?.symbol}`];
    if (f.code === 'export-init-exit') return [`export ${f.to?.symbol}`];
    return [];
  });
  return { pairs: pairs.sort(), aliases };
}

function misses(fixture: string): string[] {
  const file = path.join(fixture, 'modpost-misses.json');
  if (!fs.existsSync(file)) return [];
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { pair: string }[]).map((m) => m.pair);
}

describe('ground truth: kmodcheck findings equal real modpost warnings (kbuild against Debian headers)', function () {
  this.timeout(120_000);
  const kdir = findKernelHeaders();

  const cases: [string, string][] = [
    ['examples/hello-3', path.join(REPO, 'examples', 'hello-3')],
    ['examples/hello-3-fixed', path.join(REPO, 'examples', 'hello-3-fixed')],
    ...['mixed', 'multi', 'exit-init'].map((name): [string, string] => [`fixtures/${name}`, path.join(FIXTURES, name)]),
  ];
  for (const [name, source] of cases) {
    it(name, async () => {
      const dir = copyToTemp(source);
      const build = await buildModule(kdir, dir);
      assert.equal(build.code, 0, `kbuild failed:\n${build.output}`);
      const ours = await ourPairs(dir, kdir);
      const expected = [...modpostPairs(build.output, ours.aliases), ...misses(source)].sort();
      assert.deepEqual(ours.pairs, expected, `modpost said:\n${build.output.split('\n').filter((l) => l.includes('modpost:')).join('\n')}`);
      if (name === 'examples/hello-3') assert.deepEqual(modpostPairs(build.output, ours.aliases), ['mismatch hello_3_exit->hello3_data']);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  it('gcc fails with "section type conflict" exactly where section-type-conflict points', async () => {
    const dir = copyToTemp(path.join(FIXTURES, 'type-conflict'));
    const build = await buildModule(kdir, dir);
    assert.notEqual(build.code, 0);
    const gcc = /conflict\.c:(\d+):(\d+): error: .banner. causes a section type conflict/.exec(build.output);
    assert.ok(gcc, build.output);
    const { findings } = await analyzePaths([dir], { kdir });
    const conflict = findings.find((f) => f.code === 'section-type-conflict');
    assert.ok(conflict);
    assert.deepEqual([conflict.range.start.line + 1, conflict.range.start.character + 1], [Number(gcc[1]), Number(gcc[2])]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the quick fix on the seed yields a module that builds with no modpost warning', async () => {
    const dir = copyToTemp(path.join(REPO, 'examples', 'hello-3'));
    const file = path.join(dir, 'hello-3.c');
    const uri = pathToFileURL(file).href;
    const session = new LspSession({ kernelBuildDir: kdir });
    try {
      await session.initialize();
      const published = session.diagnostics(uri, (p) => p.diagnostics.length > 0);
      await session.open(uri, fs.readFileSync(file, 'utf8'));
      const [diagnostic] = (await published).diagnostics;
      const [action] = await session.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } }) as { edit: { changes: Record<string, { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]> } }[];
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      for (const edit of action.edit.changes[uri]) {
        assert.equal(edit.range.start.line, edit.range.end.line);
        const line = lines[edit.range.start.line];
        lines[edit.range.start.line] = line.slice(0, edit.range.start.character) + edit.newText + line.slice(edit.range.end.character);
      }
      fs.writeFileSync(file, lines.join('\n'));
    } finally {
      await session.close();
    }
    const build = await buildModule(kdir, dir);
    assert.equal(build.code, 0, build.output);
    assert.doesNotMatch(build.output, /WARNING: modpost|section mismatch/);
    assert.ok(fs.existsSync(path.join(dir, 'hello-3.ko')));
    assert.deepEqual((await analyzePaths([dir], { kdir })).findings, []);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
