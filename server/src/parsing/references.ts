// Identifier references inside function bodies and initializers, found by scanning the pre-passed
// text of each body (comments, strings and member names skipped) instead of walking every tree
// node: each node step crosses into WASM, so a walk (or a query) cost as much as the parse itself.
// The tree decides where bodies are and what the parameters are; block-scoped local declarations
// are recognised in the scan (`type name =|;|,|[`), so a local that shadows a global is not the
// global.

import { NON_REFERENCING_MACROS } from '../knowledge/annotations';
import { detachedName } from './detached';

export interface BodyRange {
  start: number;
  end: number;
  /** Index of the enclosing symbol in FileFacts.symbols. */
  fromIndex: number;
  /** Parameter names: local everywhere in the body. */
  parameters: readonly string[];
}

export interface FoundReference {
  name: string;
  start: number;
  end: number;
  fromIndex: number;
  /** Written in the initializer of this static local (index into the scan's locals). */
  local?: number;
}

/** `static … name … = initializer;` inside a body: an object of its own, in .data or .rodata. */
export interface FoundLocal {
  name: string;
  nameStart: number;
  /** The declaration, from `static` to its `;`. */
  start: number;
  end: number;
  /** Where the initializer starts (after `=`); annotations lie in [start, initializer). */
  initializer: number;
  isConst: boolean;
}

const SLASH = 47,
  STAR = 42,
  BACKSLASH = 92,
  DQUOTE = 34,
  SQUOTE = 39,
  NEWLINE = 10,
  HASH = 35;
const LPAREN = 40,
  RPAREN = 41,
  DOT = 46,
  GT = 62,
  MINUS = 45,
  STAR_CHAR = 42,
  LBRACE = 123,
  RBRACE = 125;
const COLON = 58;
const SEMICOLON = 59,
  COMMA = 44,
  EQUALS = 61,
  LBRACKET = 91,
  RBRACKET = 93;

const isIdentStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isIdentChar = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

/** Words after which the next identifier is a type tag or a label, not a reference. */
const TAG_WORDS = new Set(['struct', 'union', 'enum', 'goto']);
/** Operators whose operand is never evaluated at run time (no relocation). */
const UNEVALUATED = new Set([
  'sizeof',
  'alignof',
  '_Alignof',
  '__alignof__',
  'typeof',
  '__typeof__',
  '__typeof',
  'typeof_unqual',
  '__auto_type',
]);
/** C keywords and builtin type names: never a symbol, not worth a reference each. */
const KEYWORDS = new Set([
  'int',
  'char',
  'short',
  'long',
  'unsigned',
  'signed',
  'void',
  'float',
  'double',
  'const',
  'volatile',
  'static',
  'extern',
  'register',
  'auto',
  'inline',
  '__inline',
  '__inline__',
  'restrict',
  '__restrict',
  '_Bool',
  'bool',
  'return',
  'if',
  'else',
  'for',
  'while',
  'do',
  'switch',
  'case',
  'default',
  'break',
  'continue',
  'typedef',
  'true',
  'false',
  'asm',
  '__asm__',
  '__asm',
  'volatile',
  '__volatile__',
  'NULL',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
  'size_t',
]);

/** Words that can precede an expression's first name, so `word name;` is not a declaration. */
const STATEMENT_WORDS = new Set([
  'return',
  'case',
  'else',
  'do',
  'goto',
  'if',
  'while',
  'for',
  'switch',
  'break',
  'continue',
  'default',
  'sizeof',
]);
/** Arguments that are references only in loadable modules (built-in: the macro gives NULL). */
const MODULE_ONLY_ARGUMENTS = new Set(['__exit_p', '__devexit_p']);

function skipBlanks(text: string, i: number, end: number): number {
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  return i;
}

/** Offset after the parenthesis that closes the one at `open` (strings and comments skipped). */
function skipParens(text: string, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === LPAREN) depth++;
    else if (c === RPAREN) {
      if (--depth === 0) return i + 1;
    } else if (c === DQUOTE || c === SQUOTE) i = skipLiteral(text, i, end) - 1;
    else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? end : close + 1;
    }
  }
  return end;
}

function skipLiteral(text: string, i: number, end: number): number {
  const quote = text.charCodeAt(i);
  for (i++; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === quote || c === NEWLINE) return i + 1;
  }
  return end;
}

/** Block scopes of one body while scanning: the names each `{` … `}` declares. */
class Scopes {
  private readonly stack: Set<string>[] = [];
  constructor(parameters: readonly string[]) {
    this.stack.push(new Set(parameters));
  }
  open(): void {
    this.stack.push(new Set());
  }
  close(): void {
    if (this.stack.length > 1) this.stack.pop();
  }
  declare(name: string): void {
    this.stack[this.stack.length - 1].add(name);
  }
  has(name: string): boolean {
    return this.stack.some((scope) => scope.has(name));
  }
}

/** Offset of the `;` that ends the declaration starting at `i` (nested brackets, literals and comments skipped). */
function declarationEnd(text: string, i: number, end: number): number {
  let depth = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === LPAREN || c === LBRACE || c === LBRACKET) depth++;
    else if (c === RPAREN || c === RBRACE || c === RBRACKET) {
      if (--depth < 0) return -1;
    } else if (c === SEMICOLON && depth === 0) return i;
    else if (c === DQUOTE || c === SQUOTE) i = skipLiteral(text, i, end) - 1;
    else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? end : close + 1;
    }
  }
  return -1;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/**
 * The static local whose declaration starts with `static` at `start`, when it has an initializer
 * (only initializers hold references). The declared name is the identifier right after `(*` for
 * function pointers, else the last one before `=` outside brackets; the object is const when
 * `const` qualifies it (after the last `*`, or anywhere when there is no `*`).
 */
function staticLocal(text: string, start: number, end: number): FoundLocal | undefined {
  const semicolon = declarationEnd(text, start, end);
  if (semicolon < 0) return undefined;
  let depth = 0,
    equals = -1;
  for (let i = start; i < semicolon && equals < 0; i++) {
    const c = text.charCodeAt(i);
    if (c === LPAREN || c === LBRACKET || c === LBRACE) depth++;
    else if (c === RPAREN || c === RBRACKET || c === RBRACE) depth--;
    else if (c === EQUALS && depth === 0 && text.charCodeAt(i + 1) !== EQUALS) equals = i;
    else if (c === COMMA && depth === 0) return undefined;
  }
  if (equals < 0) return undefined;
  // Array sizes and an inline struct body name nothing: blank them (same length, offsets stay).
  let declarator = text.slice(start, equals).replace(/\[[^\]]*\]/g, (m) => ' '.repeat(m.length));
  for (let previous = ''; previous !== declarator;) {
    previous = declarator;
    declarator = declarator.replace(/\{[^{}]*\}/g, (m) => ' '.repeat(m.length));
  }
  let nameAt = -1,
    name = '';
  const pointer = /\(\s*\*\s*(?:const\s+)?([A-Za-z_][A-Za-z0-9_]*)/.exec(declarator);
  if (pointer) {
    name = pointer[1];
    nameAt = pointer.index + pointer[0].length - name.length;
  } else {
    for (const m of declarator.matchAll(IDENTIFIER))
      if (!KEYWORDS.has(m[0])) {
        name = m[0];
        nameAt = m.index;
      }
  }
  if (nameAt < 0) return undefined;
  const beforeName = declarator.slice(0, nameAt);
  const star = beforeName.lastIndexOf('*');
  const isConst = /\bconst\b/.test(star < 0 ? beforeName : beforeName.slice(star));
  return { name, nameStart: start + nameAt, start, end: semicolon + 1, initializer: equals + 1, isConst };
}

/**
 * Appends the references of one body to `found`; reads only text[body.start, body.end]. With
 * `locals`, static locals with an initializer are recorded there and the references in their
 * initializers are marked as theirs.
 */
export function scanBody(text: string, body: BodyRange, builtin: boolean, found: FoundReference[], locals?: FoundLocal[]): void {
  const scopes = new Scopes(body.parameters);
  const end = Math.min(body.end, text.length);
  // The two previous significant characters: `.` or `->` before a name makes it a member.
  let previous = 0,
    beforePrevious = 0;
  /** The previous token was a name that can be a type (so the next name may be declared). */
  let afterTypeName = false;
  /** The next name is a struct/union/enum tag, a goto label or a `sizeof` operand. */
  let skipping: 'tag' | 'other' | undefined;
  /** Inside a declaration statement: `, name` at its parenthesis depth declares another name. */
  let declarationDepth = -1;
  let parenDepth = 0;
  const significant = (c: number): void => {
    beforePrevious = previous;
    previous = c;
    afterTypeName = false;
  };
  /** The static local whose initializer is being scanned. */
  let local: { index: number; initializer: number; end: number } | undefined;
  for (let i = body.start; i < end;) {
    if (local && i >= local.end) local = undefined;
    const c = text.charCodeAt(i);
    if (isBlank(c)) {
      // A directive inside a body (#define, #ifdef …) is not code of the body.
      if (c === NEWLINE) {
        const j = skipBlanks(text, i + 1, end);
        if (text.charCodeAt(j) === HASH) {
          let k = j;
          do {
            k = text.indexOf('\n', k + 1);
          } while (k > 0 && k < end && text.charCodeAt(k - 1) === BACKSLASH);
          i = k < 0 ? end : k;
          continue;
        }
      }
      i++;
      continue;
    }
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? end : close + 2;
      continue;
    }
    if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? end : nl;
      continue;
    }
    if (c === DQUOTE || c === SQUOTE) {
      i = skipLiteral(text, i, end);
      significant(c);
      continue;
    }
    if (!isIdentStart(c)) {
      if (c >= 48 && c <= 57) {
        // Numbers and their suffixes (0x1fUL, 1.5e3) are not names.
        while (i < end && (isIdentChar(text.charCodeAt(i)) || text.charCodeAt(i) === DOT)) i++;
        significant(48);
        continue;
      }
      if (c === LBRACE) scopes.open();
      else if (c === RBRACE) scopes.close();
      else if (c === LPAREN) parenDepth++;
      else if (c === RPAREN) parenDepth = Math.max(0, parenDepth - 1);
      else if (c === SEMICOLON && parenDepth <= declarationDepth) declarationDepth = -1;
      const keepsType: boolean = c === STAR_CHAR && afterTypeName;
      significant(c);
      afterTypeName = keepsType; // `type *name`: the star keeps the declaration going
      i++;
      continue;
    }
    const start = i;
    while (i < end && isIdentChar(text.charCodeAt(i))) i++;
    const name = text.slice(start, i);
    const member = previous === DOT || (previous === GT && beforePrevious === MINUS);
    const declares =
      !member &&
      (afterTypeName || (declarationDepth === parenDepth && previous === COMMA)) &&
      isDeclaratorEnd(text.charCodeAt(skipBlanks(text, i, end)));
    const wasAfterComma = previous === COMMA;
    const startsStatement = previous === SEMICOLON || previous === LBRACE || previous === RBRACE;
    significant(65);
    if (member) continue;
    // `out:` after a statement is a label, not a use of a symbol named out (`case X:` and `a ? b : c` are not).
    const after = skipBlanks(text, i, end);
    if (startsStatement && text.charCodeAt(after) === COLON && text.charCodeAt(after + 1) !== COLON) continue;
    if (skipping) {
      // `struct foo` is a type (a declaration may follow); `goto out` and `sizeof x` are done.
      afterTypeName = skipping === 'tag';
      skipping = undefined;
      continue;
    }
    if (TAG_WORDS.has(name)) {
      skipping = name === 'goto' ? 'other' : 'tag';
      continue;
    }
    if (UNEVALUATED.has(name) || NON_REFERENCING_MACROS.has(name) || (builtin && MODULE_ONLY_ARGUMENTS.has(name))) {
      const open = skipBlanks(text, i, end);
      if (text.charCodeAt(open) === LPAREN) i = skipParens(text, open, end);
      else if (UNEVALUATED.has(name)) skipping = 'other'; // `sizeof x`
      continue;
    }
    if (declares) {
      scopes.declare(name);
      if (!wasAfterComma) declarationDepth = parenDepth;
      continue;
    }
    afterTypeName = !STATEMENT_WORDS.has(name);
    if (name === 'static' && locals && !local) {
      const declared = staticLocal(text, start, end);
      if (declared) {
        scopes.declare(declared.name);
        local = { index: locals.length, initializer: declared.initializer, end: declared.end };
        locals.push(declared);
      }
    }
    if (KEYWORDS.has(name) || scopes.has(name)) continue;
    // Kept with the file's facts (the module's other files, the caches) long after its text is gone.
    const kept = detachedName(name);
    if (local && start >= local.initializer) found.push({ name: kept, start, end: i, fromIndex: body.fromIndex, local: local.index });
    else found.push({ name: kept, start, end: i, fromIndex: body.fromIndex });
  }
}

/** What may follow a declared name: `=`, `;`, `,`, `[` (and `:` of a bit-field is not in bodies). */
function isDeclaratorEnd(c: number): boolean {
  return c === EQUALS || c === SEMICOLON || c === COMMA || c === LBRACKET;
}
