// Preprocessor conditionals decided with a kernel configuration, as the compiler would decide
// them: `#ifdef CONFIG_X`, `#if IS_ENABLED(CONFIG_X) && !defined(MODULE)`. What this cannot decide
// (a comparison, a macro the file defines itself) is "maybe", and maybe-compiled code counts as
// compiled: a finding is only dropped when the configuration certainly leaves its code out.

import type { KernelConfig } from '../knowledge/kernel-config';
import type { ConditionalDirective, ConditionalKind } from '../model/types';

export type Truth = 'true' | 'false' | 'maybe';

export const not = (t: Truth): Truth => (t === 'true' ? 'false' : t === 'false' ? 'true' : 'maybe');
export const and = (a: Truth, b: Truth): Truth =>
  a === 'false' || b === 'false' ? 'false' : a === 'true' && b === 'true' ? 'true' : 'maybe';
export const or = (a: Truth, b: Truth): Truth =>
  a === 'true' || b === 'true' ? 'true' : a === 'false' && b === 'false' ? 'false' : 'maybe';

/** Macros whose definedness is known for a module built by kbuild on x86-64. */
const KNOWN_DEFINED: Readonly<Record<string, boolean>> = {
  __KERNEL__: true,
  MODULE: true,
  __x86_64__: true,
  CONFIG_X86_64: true,
  __ASSEMBLY__: false,
  __ASSEMBLER__: false,
  __CHECKER__: false,
  __GENKSYMS__: false,
  __DISABLE_EXPORTS: false,
  BUILD_VDSO: false,
  __cplusplus: false,
};

/** What `KERNEL_VERSION(major, minor, patch)` expands to (patch saturates at 255 since 4.9). */
export function kernelVersionCode(major: number, minor: number, patch: number): number {
  return major * 65536 + minor * 256 + Math.min(patch, 255);
}

const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
};

/**
 * Evaluates a `#if` expression over `defined`, CONFIG_ values, IS_ENABLED and friends, `!`, `&&`,
 * `||`, parentheses, integer literals and comparisons of numbers, `LINUX_VERSION_CODE` (when the
 * kernel's version code is given) and `KERNEL_VERSION(a, b, c)`; anything else is "maybe".
 */
export function evaluateCondition(expression: string, config: KernelConfig, versionCode?: number): Truth {
  const tokens = expression.match(/[A-Za-z_]\w*|\d+[uUlL]*|&&|\|\||!=|==|>=|<=|[()!<>,]|\S/g) ?? [];
  let i = 0;
  /** A number at tokens[i] (consumed), or undefined (nothing consumed). */
  const number = (): number | undefined => {
    const token = tokens[i];
    if (token === undefined) return undefined;
    if (/^\d/.test(token)) {
      i++;
      return Number.parseInt(token, 10);
    }
    if (token === 'LINUX_VERSION_CODE' && versionCode !== undefined) {
      i++;
      return versionCode;
    }
    if (token === 'KERNEL_VERSION' && tokens[i + 1] === '(' && tokens[i + 3] === ',' && tokens[i + 5] === ',' && tokens[i + 7] === ')') {
      const parts = [tokens[i + 2], tokens[i + 4], tokens[i + 6]].map((part) => (/^\d+$/.test(part) ? Number(part) : NaN));
      if (parts.some(Number.isNaN)) return undefined;
      i += 8;
      return kernelVersionCode(parts[0], parts[1], parts[2]);
    }
    return undefined;
  };
  const definedness = (name: string): Truth =>
    name in KNOWN_DEFINED
      ? KNOWN_DEFINED[name]
        ? 'true'
        : 'false'
      : name.startsWith('CONFIG_')
        ? config.has(name)
          ? 'true'
          : 'false'
        : 'maybe';
  const primary = (): Truth => {
    const token = tokens[i++];
    if (token === undefined) return 'maybe';
    if (token === '!') return not(primary());
    if (token === '(') {
      const value = disjunction();
      if (tokens[i] === ')') i++;
      return value;
    }
    if (token === 'defined') {
      const parenthesized = tokens[i] === '(';
      if (parenthesized) i++;
      const name = tokens[i++] ?? '';
      if (parenthesized && tokens[i] === ')') i++;
      return definedness(name);
    }
    const helper = /^(IS_ENABLED|IS_BUILTIN|IS_MODULE|IS_REACHABLE)$/.exec(token)?.[1];
    if (helper && tokens[i] === '(') {
      const name = tokens[i + 1] ?? '';
      i += tokens[i + 2] === ')' ? 3 : 2;
      if (!name.startsWith('CONFIG_')) return 'maybe';
      const value = config.get(name);
      if (helper === 'IS_BUILTIN') return value === 'y' ? 'true' : 'false';
      if (helper === 'IS_MODULE') return value === 'm' ? 'true' : 'false';
      return value === 'y' || value === 'm' ? 'true' : 'false';
    }
    if (/^\d/.test(token)) return Number.parseInt(token, 10) === 0 ? 'false' : 'true';
    if (token.startsWith('CONFIG_')) {
      const value = config.get(token);
      if (value === undefined) return 'false';
      return /^\d+$/.test(value) ? (Number(value) === 0 ? 'false' : 'true') : 'maybe';
    }
    return 'maybe';
  };
  /** Comparisons of numbers are decided; of anything else, beyond this evaluator. */
  const comparison = (): Truth => {
    const start = i;
    const left = number();
    if (left !== undefined && COMPARE[tokens[i] ?? '']) {
      const compare = COMPARE[tokens[i++]];
      const right = number();
      if (right !== undefined) return compare(left, right) ? 'true' : 'false';
      primary();
      return 'maybe';
    }
    i = start;
    const value = primary();
    if (['==', '!=', '<', '>', '<=', '>='].includes(tokens[i] ?? '')) {
      i++;
      primary();
      return 'maybe';
    }
    return value;
  };
  const conjunction = (): Truth => {
    let value = comparison();
    while (tokens[i] === '&&') {
      i++;
      value = and(value, comparison());
    }
    return value;
  };
  const disjunction = (): Truth => {
    let value = conjunction();
    while (tokens[i] === '||') {
      i++;
      value = or(value, conjunction());
    }
    return value;
  };
  const result = disjunction();
  return i < tokens.length && tokens[i] !== ')' ? 'maybe' : result;
}

interface Frame {
  /** This branch's condition. */
  current: Truth;
  /** Whether an earlier branch of the group is already true / maybe true. */
  earlier: Truth;
}

/** The open conditional groups at a point of a file, and whether code there is compiled. */
export class ConditionStack {
  private readonly frames: Frame[] = [];

  constructor(
    private readonly config: KernelConfig,
    private readonly versionCode?: number,
  ) {}

  /** Whether code at this point is compiled: every open branch's condition together. */
  liveness(): Truth {
    return this.frames.reduce<Truth>((value, frame) => and(value, frame.current), 'true');
  }

  /** Enters, switches or leaves a branch; `ifndef` may be given its truth (an include guard is true the first time). */
  apply(kind: ConditionalKind, condition: string, ifndefTruth?: Truth): void {
    const name = /^([A-Za-z_]\w*)/.exec(condition)?.[1] ?? '';
    const top = this.frames[this.frames.length - 1];
    switch (kind) {
      case 'ifdef':
        this.frames.push({ current: evaluateCondition(`defined(${name})`, this.config, this.versionCode), earlier: 'false' });
        return;
      case 'ifndef':
        this.frames.push({
          current: ifndefTruth ?? not(evaluateCondition(`defined(${name})`, this.config, this.versionCode)),
          earlier: 'false',
        });
        return;
      case 'if':
        this.frames.push({ current: evaluateCondition(condition, this.config, this.versionCode), earlier: 'false' });
        return;
      case 'elif':
        if (!top) return;
        top.earlier = or(top.earlier, top.current);
        top.current = and(not(top.earlier), evaluateCondition(condition, this.config, this.versionCode));
        return;
      case 'else':
        if (!top) return;
        top.earlier = or(top.earlier, top.current);
        top.current = not(top.earlier);
        return;
      case 'endif':
        this.frames.pop();
        return;
    }
  }
}

/**
 * The lines that `config` (and the kernel's version code, when given) certainly leave out of
 * compilation, as sorted, disjoint [first, last) ranges (the directive lines themselves included).
 */
export function excludedLines(directives: readonly ConditionalDirective[], config: KernelConfig, versionCode?: number): [number, number][] {
  const ranges: [number, number][] = [];
  const stack = new ConditionStack(config, versionCode);
  let excludedFrom: number | undefined;
  for (const directive of directives) {
    stack.apply(directive.kind, directive.condition);
    const excluded = stack.liveness() === 'false';
    if (excluded && excludedFrom === undefined) excludedFrom = directive.line;
    else if (!excluded && excludedFrom !== undefined) {
      ranges.push([excludedFrom, directive.line + 1]);
      excludedFrom = undefined;
    }
  }
  if (excludedFrom !== undefined) ranges.push([excludedFrom, Number.MAX_SAFE_INTEGER]);
  return ranges;
}

/** Whether `line` falls in one of `ranges` (as excludedLines returns them). */
export function inRanges(ranges: readonly [number, number][], line: number): boolean {
  let low = 0,
    high = ranges.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (ranges[mid][1] <= line) low = mid + 1;
    else high = mid;
  }
  return low < ranges.length && ranges[low][0] <= line;
}
