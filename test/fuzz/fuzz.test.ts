// Adversarial tier: the language server must stay alive, answer every request within a bound, and
// keep diagnostics consistent with a fresh analysis, whatever it is fed. Seeded and bounded:
// KMOD_FUZZ_SEED and KMOD_FUZZ_CASES reproduce or widen a run.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkModule } from '../../server/src/engine/check';
import { singleFileUnits } from '../../server/src/engine/units';
import { analyzeFile } from '../../server/src/engine/analyze-file';
import { resolveContext } from '../../server/src/engine/project';
import { createCParser } from '../../server/src/parsing/parser';
import { LspSession, REPO_ROOT } from '../support/lsp-client';
import { prng } from '../support/random';

const SEED = Number(process.env.KMOD_FUZZ_SEED ?? 20261125);
const RANDOM_CASES = Number(process.env.KMOD_FUZZ_CASES ?? 120);
/** Every request must be answered within this; the slowest seen is printed. */
const REQUEST_BOUND_MS = 15_000;

const seedText = fs.readFileSync(path.join(REPO_ROOT, 'examples', 'hello-3', 'hello-3.c'), 'utf8');
const corpus = [
  seedText,
  ...['mixed/mixed.c', 'multi/main.c', 'multi/helpers.c', 'type-conflict/conflict.c'].map((f) =>
    fs.readFileSync(path.join(REPO_ROOT, 'test', 'kbuild', 'fixtures', f), 'utf8'),
  ),
];

const SOUP = [
  '__init',
  '__initdata',
  '__exit',
  '__initconst',
  '__ref',
  '__section(".init.data")',
  '__attribute__((',
  '))',
  'static',
  'const',
  'int',
  'void',
  'struct s',
  '{',
  '}',
  '(',
  ')',
  ';',
  ',',
  '=',
  '*',
  '[',
  ']',
  '#if 0\n',
  '#else\n',
  '#endif\n',
  '#define X \\\n',
  '/*',
  '*/',
  '//',
  '"',
  "'",
  '\\',
  'module_init(',
  'module_exit(',
  'EXPORT_SYMBOL(',
  'module_platform_driver(',
  'sizeof(',
  'hello3_data',
  'hello_3_exit',
  'x',
  '\n',
  ' ',
  '\t',
  '\r\n',
  '\u0000',
  '\uFFFD',
];

interface Case {
  name: string;
  text: string;
}

function randomCases(random: () => number): Case[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const cases: Case[] = [];
  for (let i = 0; i < RANDOM_CASES; i++) {
    switch (i % 6) {
      case 0: {
        const bytes = Buffer.alloc(1 + Math.floor(random() * 4096));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
        cases.push({ name: `random bytes ${i}`, text: bytes.toString(random() < 0.5 ? 'latin1' : 'utf8') });
        break;
      }
      case 1: {
        const source = pick(corpus);
        cases.push({ name: `truncated ${i}`, text: source.slice(0, Math.floor(random() * source.length)) });
        break;
      }
      case 2:
        cases.push({
          name: `macro soup ${i}`,
          text: Array.from({ length: 200 + Math.floor(random() * 800) }, () => pick(SOUP)).join(random() < 0.5 ? ' ' : ''),
        });
        break;
      case 3: {
        const source = pick(corpus);
        const at = Math.floor(random() * source.length);
        cases.push({
          name: `spliced ${i}`,
          text: source.slice(0, at) + pick(SOUP) + pick(SOUP) + source.slice(at + Math.floor(random() * 20)),
        });
        break;
      }
      case 4: {
        const bytes = Buffer.from(pick(corpus));
        for (let j = 0; j < 10; j++) bytes[Math.floor(random() * bytes.length)] = 0x80 + Math.floor(random() * 128);
        cases.push({ name: `invalid UTF-8 ${i}`, text: bytes.toString('utf8') });
        break;
      }
      default:
        cases.push({ name: `NUL bytes ${i}`, text: pick(corpus).replace(/;/g, () => (random() < 0.2 ? ';\u0000' : ';')) });
    }
  }
  return cases;
}

const FIXED_CASES: Case[] = [
  { name: 'empty file', text: '' },
  { name: 'CRLF and BOM', text: '\uFEFF' + seedText.replace(/\n/g, '\r\n') },
  { name: '10,000-deep parentheses', text: `int f(void) { return ${'('.repeat(10000)}1${')'.repeat(10000)}; }` },
  { name: '10,000-deep blocks', text: `void f(void) ${'{'.repeat(10000)}${'}'.repeat(10000)}` },
  { name: '10,000 unclosed parentheses', text: `void f(void) { ${'('.repeat(10000)}` },
  { name: '10,000 nested ifs', text: `void f(void) { ${'if (a) '.repeat(10000)}x(); }` },
  { name: '1 MB line', text: `static int x[] = { ${'1, '.repeat(350_000)} };` },
  {
    name: '2 MB generated table',
    text: `static const int t[] = {\n${'  0x1234, 0x5678, 0x9abc, 0xdef0,\n'.repeat(60_000)}};\n` + seedText,
  },
  { name: '10 MB generated file (over the limit)', text: 'int f(void) { return 0; }\n'.repeat(420_000) },
];

describe('robustness: the language server under adversarial input', function () {
  this.timeout(600_000);
  let session: LspSession;
  let slowest = { ms: 0, what: '' };

  const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    const result = await Promise.race([
      run(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${what}: no answer within ${REQUEST_BOUND_MS} ms`)), REQUEST_BOUND_MS),
      ),
    ]);
    const ms = Date.now() - start;
    if (ms > slowest.ms) slowest = { ms, what };
    return result;
  };

  const alive = (): void => assert.equal(session.process.exitCode, null, `server died: ${session.stderr}`);

  before(async () => {
    session = new LspSession({ kernelVersion: '6.1' });
    await session.initialize();
  });
  after(async () => {
    console.log(`      slowest request: ${slowest.ms} ms (${slowest.what}); seed ${SEED}`);
    await session.close();
  });

  it(`opens ${FIXED_CASES.length} hostile files and ${RANDOM_CASES} seeded random ones and answers every request`, async () => {
    const random = prng(SEED);
    const cases = [...FIXED_CASES, ...randomCases(random)];
    for (const [i, c] of cases.entries()) {
      const uri = `file:///nonexistent/fuzz/case${i}.c`;
      const published = session.diagnostics(uri, () => true, REQUEST_BOUND_MS * 2);
      await session.open(uri, c.text);
      await timed(`diagnostics for ${c.name}`, () => published);
      const lines = c.text.split('\n');
      const line = Math.floor(random() * (lines.length + 3));
      const position = { line, character: Math.floor(random() * ((lines[line]?.length ?? 0) + 5)) };
      await timed(`hover in ${c.name}`, () => session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position }));
      await timed(`symbols in ${c.name}`, () => session.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } }));
      await timed(`code actions in ${c.name}`, () =>
        session.connection.sendRequest('textDocument/codeAction', {
          textDocument: { uri },
          range: { start: position, end: position },
          context: { diagnostics: [] },
        }),
      );
      await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      alive();
    }
  });

  it('reports an over-limit file as not analyzed instead of freezing', async () => {
    const uri = 'file:///nonexistent/fuzz/huge.c';
    const published = session.diagnostics(uri, (p) => p.diagnostics.length > 0, REQUEST_BOUND_MS);
    await session.open(uri, 'int f(void) { return 0; }\n'.repeat(420_000));
    const { diagnostics } = await published;
    assert.equal(diagnostics[0].code, 'not-analyzed');
    assert.match(diagnostics[0].message, /MB/);
  });

  it('survives LSP misuse: unknown URIs, positions past the end, closes of unopened files, stale versions', async () => {
    await timed('hover on unknown URI', () =>
      session.connection.sendRequest('textDocument/hover', {
        textDocument: { uri: 'file:///never/opened.c' },
        position: { line: 0, character: 0 },
      }),
    );
    await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri: 'file:///never/opened.c' } });
    const uri = 'file:///nonexistent/fuzz/misuse.c';
    await session.open(uri, seedText, 5);
    await timed('hover past the end', () =>
      session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 10_000, character: 10_000 } }),
    );
    await timed('definition at negative-looking position', () =>
      session.connection.sendRequest('textDocument/definition', { textDocument: { uri }, position: { line: 0, character: 99_999 } }),
    );
    // A change whose range lies past the end, then one with an older version number.
    await session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 6 },
      contentChanges: [{ range: { start: { line: 500, character: 0 }, end: { line: 600, character: 3 } }, text: 'junk' }],
    });
    await session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: seedText }],
    });
    await timed('symbols after odd edits', () => session.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } }));
    alive();
  });

  it('keeps diagnostics consistent with a fresh analysis after a rapid edit storm', async () => {
    const random = prng(SEED + 1);
    const uri = 'file:///nonexistent/fuzz/storm.c';
    let text = seedText;
    await session.open(uri, text, 1);
    let version = 1;
    for (let i = 0; i < 300; i++) {
      const lines = text.split('\n');
      const line = Math.floor(random() * lines.length);
      const character = Math.floor(random() * (lines[line].length + 1));
      const insert =
        random() < 0.3
          ? ''
          : ['x', ' __initdata', '\n', 'hello3_data', ';', '}', '{', '(', '#if 0\n', '#endif\n'][Math.floor(random() * 10)];
      const removeTo = Math.min(lines[line].length, character + (insert === '' ? 1 + Math.floor(random() * 5) : 0));
      lines[line] = lines[line].slice(0, character) + insert + lines[line].slice(removeTo);
      text = lines.join('\n');
      version++;
      void session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [{ range: { start: { line, character }, end: { line, character: removeTo } }, text: insert }],
      });
    }
    const final = await timed('diagnostics after the storm', () =>
      session.diagnostics(uri, (p) => p.version === version, REQUEST_BOUND_MS),
    );
    const context = resolveContext({ kernelVersion: '6.1' });
    const parser = await createCParser();
    const facts = analyzeFile(parser, uri, text, { ...context.extract, builtin: false });
    const fresh = checkModule(singleFileUnits([facts]), { profile: context.profile }).map(
      (f) => `${f.code}@${f.range.start.line}:${f.range.start.character}`,
    );
    assert.deepEqual(
      final.diagnostics.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}`),
      fresh,
    );
    alive();
  });

  it('answers requests after shutdown with an error and exits on exit', async () => {
    await session.connection.sendRequest('shutdown');
    await assert.rejects(
      timed('hover after shutdown', () =>
        session.connection.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///x.c' }, position: { line: 0, character: 0 } }),
      ),
    );
    const exited = new Promise<number | null>((resolve) => session.process.once('exit', (code) => resolve(code)));
    await session.connection.sendNotification('exit');
    assert.equal(await exited, 0);
  });
});
