// Ground truth: builds fixture modules with real kbuild against Debian's 6.1, 6.12 and 7.3 headers
// and checks that kmodcheck's findings, with each kernel's rules, are exactly that kernel's modpost
// warnings (plus the listed cases modpost cannot see). modpost's names are mapped back to source
// names: the init_module/cleanup_module aliases (6.1), gcc's clone suffixes (.isra.0, .constprop.0),
// a static local's numbered name (nb.0), and the hidden module_init pointer that 6.12 and 7.3 print
// instead of a static __initdata variable.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzePaths, type ProjectAnalysis } from '../../server/src/engine/project';
import { parseModpostLine } from '../../tools/src/build-output/modpost-formats';
import { LspSession } from '../support/lsp-client';
import { buildWith, copyForBuild, KERNEL_SERIES, testKernel, type KernelSeries, type TestKernel } from '../support/kernels';
import { REPO_ROOT as REPO } from '../support/paths';

const FIXTURES = path.join(REPO, 'test', 'kbuild', 'fixtures');
const MISMATCH_CODES = new Set(['section-mismatch', 'module-exit-init', 'module-init-exit']);
/** modpost's link checks: the parsed kind of each line is the finding code that predicts it. */
const LINK_KINDS = new Set([
  'undefined-symbol',
  'gpl-only-symbol',
  'missing-namespace-import',
  'namespace-import-not-allowed',
  'missing-license',
  'missing-description',
  'export-undefined',
  'export-duplicate',
  'export-local',
  'module-name-too-long',
]);
/** Findings with no modpost line of their own (modpost reports their consequence at each use). */
const UNPRINTED_LINK_CODES = new Set(['namespace-import-syntax']);

/** "code symbol" for one modpost link line (ours are predicted lines, parsed the same way). */
function linkPair(line: string): string | undefined {
  const d = parseModpostLine(line);
  if (!d || !LINK_KINDS.has(d.kind)) return undefined;
  const code = d.kind === 'export-local' ? 'export-static' : d.kind;
  return `${code} ${d.kind === 'namespace-import-not-allowed' ? d.namespace : (d.symbol ?? '')}`.trim();
}
/** What 6.12 and 7.3 print for a static __initdata variable: the module_init pointer next to it. */
const HIDDEN_INIT_DATA = '(a static variable in .init.data)';

/** The source name behind a symbol name modpost printed. */
function sourceName(symbol: string, aliases: Map<string, string>): string {
  const hidden = /__UNIQUE_ID_+addressable_(init_module|cleanup_module)/.exec(symbol)?.[1];
  if (hidden) return aliases.get(hidden) ?? hidden;
  const bare = symbol.replace(/\.(?:isra|constprop|part|cold|lto_priv)(?:\.\d+)*$/, '').replace(/\.\d+$/, '');
  return aliases.get(bare) ?? bare;
}

/** "mismatch from->to" / "export sym" pairs modpost printed. */
function modpostPairs(log: string, aliases: Map<string, string>): string[] {
  const pairs: string[] = [];
  for (const line of log.split('\n')) {
    const d = parseModpostLine(line);
    if (d?.kind === 'section-mismatch' && d.from && d.to) {
      const hiddenData = /__UNIQUE_ID_+addressable_init_module/.test(d.to.symbol) && d.to.section === '.init.data';
      const from = /__UNIQUE_ID_+addressable_(init_module|cleanup_module)/.exec(d.from.symbol)?.[1] ?? sourceName(d.from.symbol, aliases);
      pairs.push(`mismatch ${from}->${hiddenData ? HIDDEN_INIT_DATA : sourceName(d.to.symbol, aliases)}`);
    } else if (d?.kind === 'export-init-exit' && d.symbol) {
      pairs.push(`export ${d.symbol}`);
    } else {
      const pair = linkPair(line.trim());
      if (pair) pairs.push(pair);
    }
  }
  return pairs.sort();
}

/** How many undefined-symbol lines modpost left out ("suppressed N unresolved symbol warnings"). */
function suppressedUndefined(log: string): number {
  return log
    .split('\n')
    .reduce(
      (n, line) => n + (parseModpostLine(line.trim())?.kind === 'undefined-suppressed' ? (parseModpostLine(line.trim())?.count ?? 0) : 0),
      0,
    );
}

/** The analyzer's findings as the same pairs, and modpost's aliases for this module. */
function ourPairs(analysis: ProjectAnalysis, series: KernelSeries): { pairs: string[]; aliases: Map<string, string> } {
  const aliases = new Map<string, string>();
  const staticInitData = new Set<string>();
  for (const file of analysis.files) {
    for (const use of file.macroUses) {
      if (use.macro === 'module_init') aliases.set('init_module', use.argument);
      if (use.macro === 'module_exit') aliases.set('cleanup_module', use.argument);
    }
    for (const def of file.symbols)
      if (def.kind === 'variable' && def.isStatic && def.section === '.init.data') staticInitData.add(def.name);
  }
  const pairs = analysis.findings.flatMap((f) => {
    if (MISMATCH_CODES.has(f.code)) {
      const to = series !== '6.1' && staticInitData.has(f.to?.symbol ?? '') ? HIDDEN_INIT_DATA : f.to?.symbol;
      // A static inline function's reference: modpost names the caller it was inlined into, as predicted.
      const inlinedInto = / is static inline: /.test(f.message)
        ? /in reference: (\S+?)(?:\+0x…)? \(/.exec(f.modpost ?? '')?.[1]
        : undefined;
      return [`mismatch ${inlinedInto ? sourceName(inlinedInto, aliases) : f.from?.symbol}->${to}`];
    }
    if (f.code === 'export-init-exit') return [`export ${f.to?.symbol}`];
    if (UNPRINTED_LINK_CODES.has(f.code) || !f.modpost) return [];
    const pair = linkPair(f.modpost);
    return pair ? [pair] : [];
  });
  return { pairs: pairs.sort(), aliases };
}

/** What modpost printed where it names the wrong symbol (listed with the reason in the fixture), for this kernel. */
function quirks(fixture: string, series: KernelSeries): Map<string, string> {
  const file = path.join(fixture, 'modpost-quirks.json');
  if (!fs.existsSync(file)) return new Map();
  return new Map(
    (JSON.parse(fs.readFileSync(file, 'utf8')) as { printed: string; means: string; kernels: string[] }[])
      .filter((q) => q.kernels.includes(series))
      .map((q) => [q.printed, q.means]),
  );
}

/** The analyzer's other findings a fixture expects ("code symbol"), e.g. notes no build shows. */
function expectedNotes(fixture: string): string[] {
  const file = path.join(fixture, 'expected-notes.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as string[]).sort() : [];
}

/** Pairs modpost cannot see (listed with the reason in the fixture), for this kernel. */
function misses(fixture: string, series: KernelSeries): string[] {
  const file = path.join(fixture, 'modpost-misses.json');
  if (!fs.existsSync(file)) return [];
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { pair: string; kernels?: string[] }[])
    .filter((m) => !m.kernels || m.kernels.includes(series))
    .map((m) => m.pair);
}

const CASES: [string, string][] = [
  ['examples/hello-3', path.join(REPO, 'examples', 'hello-3')],
  ['examples/hello-3-fixed', path.join(REPO, 'examples', 'hello-3-fixed')],
  ...fs
    .readdirSync(FIXTURES)
    .filter((name) => name !== 'type-conflict')
    .sort()
    .map((name): [string, string] => [`fixtures/${name}`, path.join(FIXTURES, name)]),
];

for (const series of KERNEL_SERIES) {
  describe(`ground truth on ${series}: kmodcheck findings equal real modpost warnings`, function () {
    this.timeout(180_000);
    let kernel: TestKernel;
    const scratch: string[] = [];
    const copy = (source: string): string => {
      const dir = copyForBuild(kernel, source);
      scratch.push(dir);
      return dir;
    };
    before(() => {
      kernel = testKernel(series);
    });
    after(() => {
      for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const [name, source] of CASES) {
      it(name, async () => {
        const dir = copy(source);
        const build = await buildWith(kernel, dir);
        // modpost's errors (and 6.1's check of exported locals) fail the build; nothing else may.
        if (!/^ERROR: modpost: |: error: local symbol \S+ was exported$/m.test(build.output))
          assert.equal(build.code, 0, `kbuild failed:\n${build.output}`);
        const analysis = await analyzePaths([dir], { kdir: kernel.kdir });
        assert.equal(analysis.context.profile.id, series === '6.1' ? '6.1.80' : series === '6.12' ? '6.12' : '7.3');
        const ours = ourPairs(analysis, series);
        const renamed = quirks(source, series);
        // A file compiled into two objects gives modpost's line twice and the analyzer's finding once.
        const printed = new Set(modpostPairs(build.output, ours.aliases).map((pair) => renamed.get(pair) ?? pair));
        const expected = [...printed, ...misses(source, series)].sort();
        // modpost prints ten undefined symbols and counts the rest: those of ours must be as many.
        const suppressed = suppressedUndefined(build.output);
        const unprinted = ours.pairs.filter((pair) => pair.startsWith('undefined-symbol ') && !printed.has(pair));
        assert.equal(
          unprinted.length >= suppressed,
          true,
          `modpost suppressed ${suppressed} undefined symbols, we have ${unprinted.length} more`,
        );
        const oursShown = suppressed ? ours.pairs.filter((pair) => !unprinted.slice(0, suppressed).includes(pair)) : ours.pairs;
        assert.deepEqual(
          oursShown,
          expected,
          `modpost said:\n${build.output
            .split('\n')
            .filter((l) => l.includes('modpost:'))
            .join('\n')}`,
        );
        const notes = analysis.findings
          .filter((f) => !MISMATCH_CODES.has(f.code) && f.code !== 'export-init-exit' && !f.modpost && !UNPRINTED_LINK_CODES.has(f.code))
          .map((f) => `${f.code} ${f.to?.symbol}`)
          .sort();
        assert.deepEqual(notes, expectedNotes(source));
        if (name === 'examples/hello-3') assert.equal(modpostPairs(build.output, ours.aliases).length, 1);
      });
    }

    it('gcc fails with "section type conflict" exactly where section-type-conflict points', async () => {
      const dir = copy(path.join(FIXTURES, 'type-conflict'));
      const build = await buildWith(kernel, dir);
      assert.notEqual(build.code, 0);
      const gcc = /conflict\.c:(\d+):(\d+): error: .banner. causes a section type conflict/.exec(build.output);
      assert.ok(gcc, build.output);
      const { findings } = await analyzePaths([dir], { kdir: kernel.kdir });
      const conflict = findings.find((f) => f.code === 'section-type-conflict');
      assert.ok(conflict);
      assert.deepEqual([conflict.range.start.line + 1, conflict.range.start.character + 1], [Number(gcc[1]), Number(gcc[2])]);
    });

    it('the quick fix on the seed yields a module that builds with no modpost warning', async () => {
      const dir = copy(path.join(REPO, 'examples', 'hello-3'));
      const file = path.join(dir, 'hello-3.c');
      const uri = pathToFileURL(file).href;
      const session = new LspSession({ kernelBuildDir: kernel.kdir });
      try {
        await session.initialize();
        const published = session.diagnostics(uri, (p) => p.diagnostics.length > 0);
        await session.open(uri, fs.readFileSync(file, 'utf8'));
        const [diagnostic] = (await published).diagnostics;
        const [action] = (await session.connection.sendRequest('textDocument/codeAction', {
          textDocument: { uri },
          range: diagnostic.range,
          context: { diagnostics: [diagnostic] },
        })) as {
          edit: {
            changes: Record<
              string,
              { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]
            >;
          };
        }[];
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
      const build = await buildWith(kernel, dir);
      assert.equal(build.code, 0, build.output);
      assert.doesNotMatch(build.output, /WARNING: modpost|section mismatch/);
      assert.ok(fs.existsSync(path.join(dir, 'hello-3.ko')));
      assert.deepEqual((await analyzePaths([dir], { kdir: kernel.kdir })).findings, []);
    });
  });
}
