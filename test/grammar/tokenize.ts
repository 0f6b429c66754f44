/**
 * Tokenizes text the way VS Code does: vscode-textmate + vscode-oniguruma (onig.wasm), grammars and
 * injections wired from package.json `contributes.grammars` (injectTo → getInjections, like VS Code's
 * TMGrammarFactory). Base grammars for source.c / source.makefile come either from the test stubs or
 * from the real VS Code installed by scripts/setup-code-offline.sh.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { STUB_C_GRAMMAR, STUB_MAKEFILE_GRAMMAR } from './stub-base-grammars';

export type BaseGrammarSource = 'stub' | 'vscode';

export interface Token {
  text: string;
  start: number;
  end: number;
  scopes: string[];
}

export interface TokenizedLine {
  line: string;
  tokens: Token[];
}

interface GrammarContribution {
  scopeName: string;
  path: string;
  language?: string;
  injectTo?: string[];
}

/** Our own grammar files; the contributes check compares package.json against this list. */
export const OWN_GRAMMAR_FILES: Readonly<Record<string, string>> = {
  'kernel.annotations.injection': 'syntaxes/kernel-c.injection.tmLanguage.json',
  'text.log.kernel': 'syntaxes/kernel-log.tmLanguage.json',
  'source.kbuild': 'syntaxes/kbuild.tmLanguage.json',
  'kbuild.makefile.injection': 'syntaxes/kbuild-makefile.injection.tmLanguage.json',
};

/** Where VS Code keeps the base grammars, relative to its `extensions` directory. */
const VSCODE_BASE_GRAMMARS: Readonly<Record<string, string>> = {
  'source.c': 'cpp/syntaxes/c.tmLanguage.json',
  'source.makefile': 'make/syntaxes/make.tmLanguage.json',
};

const STUB_BASE_GRAMMARS: Readonly<Record<string, object>> = {
  'source.c': STUB_C_GRAMMAR,
  'source.makefile': STUB_MAKEFILE_GRAMMAR,
};

/** The repository root: the nearest ancestor holding our grammars (works from test/ and from out/test/). */
export function findRepoRoot(start: string = __dirname): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, OWN_GRAMMAR_FILES['text.log.kernel']))) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`no ancestor of ${start} contains ${OWN_GRAMMAR_FILES['text.log.kernel']}`);
    }
  }
}

export function readPackageJson(root: string): {
  contributes?: { languages?: Array<Record<string, unknown>>; grammars?: GrammarContribution[] };
} {
  return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
}

/** VS Code's built-in extensions directory inside the code-server install of scripts/setup-code-offline.sh. */
export function vscodeExtensionsDir(root: string): string {
  const tools = process.env.CODE_OFFLINE_TOOLS ?? path.join(root, '.tools', 'code-offline');
  return path.join(tools, 'node_modules', 'code-server', 'lib', 'vscode', 'extensions');
}

let onigLibPromise: Promise<textmate.IOnigLib> | undefined;

function loadOnigLib(): Promise<textmate.IOnigLib> {
  onigLibPromise ??= (async () => {
    const wasmPath = path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm');
    await oniguruma.loadWASM(fs.readFileSync(wasmPath));
    return {
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    };
  })();
  return onigLibPromise;
}

export class GrammarHarness {
  private readonly registry: textmate.Registry;

  private constructor(
    registry: textmate.Registry,
    readonly base: BaseGrammarSource,
  ) {
    this.registry = registry;
  }

  static async create(base: BaseGrammarSource, root: string = findRepoRoot()): Promise<GrammarHarness> {
    const contributions = readPackageJson(root).contributes?.grammars ?? [];
    const files = new Map<string, string>();
    const injections = new Map<string, string[]>();
    for (const grammar of contributions) {
      files.set(grammar.scopeName, path.resolve(root, grammar.path));
      for (const target of grammar.injectTo ?? []) {
        injections.set(target, [...(injections.get(target) ?? []), grammar.scopeName]);
      }
    }
    for (const scopeName of Object.keys(OWN_GRAMMAR_FILES)) {
      if (!files.has(scopeName)) {
        throw new Error(`package.json contributes.grammars has no entry for ${scopeName}: merge the snippet from syntaxes/README.md`);
      }
    }
    const baseGrammars = GrammarHarness.loadBaseGrammars(base, root);
    const registry = new textmate.Registry({
      onigLib: loadOnigLib(),
      loadGrammar: async (scopeName) => {
        const baseGrammar = baseGrammars.get(scopeName);
        if (baseGrammar) {
          return baseGrammar;
        }
        const file = files.get(scopeName);
        return file ? textmate.parseRawGrammar(fs.readFileSync(file, 'utf8'), file) : null;
      },
      // VS Code also applies injections registered for a prefix of the scope (source.c → source.c.platform).
      getInjections: (scopeName) => {
        const parts = scopeName.split('.');
        return parts.flatMap((_, i) => injections.get(parts.slice(0, i + 1).join('.')) ?? []);
      },
    });
    return new GrammarHarness(registry, base);
  }

  private static loadBaseGrammars(base: BaseGrammarSource, root: string): Map<string, textmate.IRawGrammar> {
    const grammars = new Map<string, textmate.IRawGrammar>();
    if (base === 'stub') {
      for (const [scopeName, grammar] of Object.entries(STUB_BASE_GRAMMARS)) {
        grammars.set(scopeName, textmate.parseRawGrammar(JSON.stringify(grammar), `stub-${scopeName}.json`));
      }
      return grammars;
    }
    const extensions = vscodeExtensionsDir(root);
    for (const [scopeName, relative] of Object.entries(VSCODE_BASE_GRAMMARS)) {
      const file = path.join(extensions, relative);
      if (!fs.existsSync(file)) {
        throw new Error(
          `VS Code's ${scopeName} grammar is missing (${file}); install the real VS Code with: bash scripts/setup-code-offline.sh`,
        );
      }
      grammars.set(scopeName, textmate.parseRawGrammar(fs.readFileSync(file, 'utf8'), file));
    }
    return grammars;
  }

  /** Tokenizes `text` line by line, carrying the rule stack like an editor does. */
  async tokenize(scopeName: string, text: string): Promise<TokenizedLine[]> {
    const grammar = await this.registry.loadGrammar(scopeName);
    if (!grammar) {
      throw new Error(`no grammar for ${scopeName}`);
    }
    const grammarErrors: string[] = [];
    const consoleError = console.error;
    // vscode-textmate reports grammar loops ("Grammar is in an endless loop") only via console.error.
    console.error = (...args: unknown[]) => grammarErrors.push(args.map(String).join(' '));
    try {
      let stack = textmate.INITIAL;
      const lines: TokenizedLine[] = [];
      for (const line of text.split(/\r?\n/)) {
        const result = grammar.tokenizeLine(line, stack);
        assert.ok(!result.stoppedEarly, `tokenizing stopped early on: ${line}`);
        lines.push({
          line,
          tokens: result.tokens.map((token) => ({
            text: line.substring(token.startIndex, token.endIndex),
            start: token.startIndex,
            end: Math.min(token.endIndex, line.length), // the last token also covers the "\n" vscode-textmate appends
            scopes: token.scopes,
          })),
        });
        stack = result.ruleStack;
      }
      return lines;
    } finally {
      console.error = consoleError;
      assert.deepStrictEqual(grammarErrors, [], `vscode-textmate reported grammar errors for ${scopeName}`);
    }
  }
}

export function describeTokens(line: TokenizedLine): string {
  return [line.line, ...line.tokens.map((t) => `  ${JSON.stringify(t.text)} ${t.scopes.join(' ')}`)].join('\n');
}

/** The line equal to `text` (after trimming the right side); fails when absent. */
export function lineOf(lines: TokenizedLine[], text: string): TokenizedLine {
  const found = lines.find((l) => l.line.trimEnd() === text.trimEnd());
  assert.ok(found, `line not found: ${text}`);
  return found;
}

function offsetOf(line: TokenizedLine, text: string, occurrence: number): number {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) {
    offset = line.line.indexOf(text, offset + 1);
    assert.ok(offset >= 0, `"${text}" (occurrence ${occurrence}) is not in line: ${line.line}`);
  }
  return offset;
}

/** Asserts that `text` is exactly one token and that it carries `scope`. */
export function assertScope(line: TokenizedLine, text: string, scope: string, occurrence = 0): void {
  const offset = offsetOf(line, text, occurrence);
  const token = line.tokens.find((t) => t.start === offset && t.end === offset + text.length);
  assert.ok(token, `"${text}" is not a single token:\n${describeTokens(line)}`);
  assert.ok(token.scopes.includes(scope), `"${text}" lacks scope ${scope}:\n${describeTokens(line)}`);
}

/** Asserts that no token overlapping `text` has a scope starting with `scopePrefix`. */
export function assertNoScope(line: TokenizedLine, text: string, scopePrefix: string, occurrence = 0): void {
  const offset = offsetOf(line, text, occurrence);
  const overlapping = line.tokens.filter((t) => t.start < offset + text.length && t.end > offset);
  const offending = overlapping.filter((t) => t.scopes.some((s) => s.startsWith(scopePrefix)));
  assert.deepStrictEqual(offending, [], `"${text}" must not be scoped ${scopePrefix}*:\n${describeTokens(line)}`);
}

/** Asserts that every token overlapping `text` carries a scope starting with `scopePrefix`. */
export function assertWithin(line: TokenizedLine, text: string, scopePrefix: string, occurrence = 0): void {
  const offset = offsetOf(line, text, occurrence);
  const overlapping = line.tokens.filter((t) => t.start < offset + text.length && t.end > offset);
  const outside = overlapping.filter((t) => !t.scopes.some((s) => s.startsWith(scopePrefix)));
  assert.deepStrictEqual(outside, [], `"${text}" must be inside ${scopePrefix}*:\n${describeTokens(line)}`);
}
