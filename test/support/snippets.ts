// Test support: the contributed C snippets (snippets/kernel-c.json) as the editor inserts them when
// every placeholder is accepted as is. The unit, kbuild and VS Code tiers compile and analyze them
// through this, and compare `kmodule` with what "New Kernel Module…" writes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';

export interface Snippet {
  prefix: string;
  description: string;
  body: string | string[];
}

export const SNIPPETS_FILE = path.join(REPO_ROOT, 'snippets/kernel-c.json');

export const loadSnippets = (): Record<string, Snippet> => JSON.parse(fs.readFileSync(SNIPPETS_FILE, 'utf8')) as Record<string, Snippet>;

type SnippetNode =
  | { kind: 'text'; text: string }
  | { kind: 'tabstop'; index: number; children?: SnippetNode[] }
  | { kind: 'variable'; name: string; children?: SnippetNode[]; transform?: { pattern: RegExp; format: string } };

const ID = /^(\d+|[A-Za-z_][A-Za-z0-9_]*)/;

/** Parses VS Code snippet syntax (tab stops, placeholders, choices, variables, transforms, escapes). */
function parseSnippet(source: string): SnippetNode[] {
  let at = 0;
  const readUntil = (stops: string): string => {
    let text = '';
    while (at < source.length && !stops.includes(source[at])) {
      // Only $, }, \ (and the stop characters) are escapable; any other backslash is text (C's "\n").
      if (source[at] === '\\' && at + 1 < source.length && `$}\\${stops}`.includes(source[at + 1])) at++;
      text += source[at++];
    }
    return text;
  };
  const expect = (char: string): void => {
    if (source[at] !== char) throw new Error(`snippet syntax: expected "${char}" at ${at} in ${JSON.stringify(source)}`);
    at++;
  };
  const parseNodes = (insideBraces: boolean): SnippetNode[] => {
    const nodes: SnippetNode[] = [];
    while (at < source.length) {
      if (insideBraces && source[at] === '}') break;
      if (source[at] !== '$') {
        nodes.push({ kind: 'text', text: readUntil(insideBraces ? '$}' : '$') });
        continue;
      }
      at++;
      const bare = ID.exec(source.slice(at));
      if (bare) {
        at += bare[0].length;
        nodes.push(/^\d/.test(bare[0]) ? { kind: 'tabstop', index: Number(bare[0]) } : { kind: 'variable', name: bare[0] });
        continue;
      }
      if (source[at] !== '{') {
        nodes.push({ kind: 'text', text: '$' });
        continue;
      }
      at++;
      const id = ID.exec(source.slice(at));
      if (!id) throw new Error(`snippet syntax: bad \${ at ${at} in ${JSON.stringify(source)}`);
      at += id[0].length;
      const isTabstop = /^\d/.test(id[0]);
      if (source[at] === ':') {
        at++;
        const children = parseNodes(true);
        nodes.push(isTabstop ? { kind: 'tabstop', index: Number(id[0]), children } : { kind: 'variable', name: id[0], children });
      } else if (source[at] === '|' && isTabstop) {
        // A choice: its first option is the default.
        at++;
        const first = readUntil(',|');
        readUntil('|');
        expect('|');
        nodes.push({ kind: 'tabstop', index: Number(id[0]), children: [{ kind: 'text', text: first }] });
      } else if (source[at] === '/' && !isTabstop) {
        at++;
        const pattern = readUntil('/');
        expect('/');
        const format = readUntil('/');
        expect('/');
        const flags = readUntil('}');
        nodes.push({ kind: 'variable', name: id[0], transform: { pattern: new RegExp(pattern, flags), format } });
      } else {
        nodes.push(isTabstop ? { kind: 'tabstop', index: Number(id[0]) } : { kind: 'variable', name: id[0] });
      }
      expect('}');
    }
    return nodes;
  };
  return parseNodes(false);
}

/**
 * A snippet body as inserted when every placeholder keeps its default: `${1:foo}` and its mirrors
 * `$1` give foo, `$0` and a tab stop without a default give nothing, `${NAME}` / `${NAME/re/fmt/g}`
 * take `variables[NAME]` (an unknown variable inserts its own name, as VS Code does).
 */
export function snippetDefaultText(body: string | readonly string[], variables: Readonly<Record<string, string>>): string {
  const nodes = parseSnippet(typeof body === 'string' ? body : body.join('\n'));
  const defaults = new Map<number, SnippetNode[]>();
  const collect = (list: readonly SnippetNode[]): void => {
    for (const node of list) {
      if (node.kind === 'text' || !node.children) continue;
      if (node.kind === 'tabstop' && !defaults.has(node.index)) defaults.set(node.index, node.children);
      collect(node.children);
    }
  };
  collect(nodes);
  const render = (list: readonly SnippetNode[], depth: number): string =>
    list
      .map((node): string => {
        if (depth > 20) throw new Error('snippet: placeholders refer to each other in a loop');
        if (node.kind === 'text') return node.text;
        if (node.kind === 'tabstop') return node.index === 0 ? '' : render(node.children ?? defaults.get(node.index) ?? [], depth + 1);
        const value = variables[node.name];
        if (value === undefined) return node.children ? render(node.children, depth + 1) : node.name;
        return node.transform ? value.replace(node.transform.pattern, node.transform.format) : value;
      })
      .join('');
  return render(nodes, 0);
}

/** A snippet that is not a whole file goes between a module's includes and its MODULE_LICENSE. */
export function snippetModule(fileBase: string, snippet: Snippet): string {
  const text = snippetDefaultText(snippet.body, { TM_FILENAME_BASE: fileBase });
  if (text.includes('MODULE_LICENSE')) return text;
  return `// SPDX-License-Identifier: GPL-2.0
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

${text}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("snippet ${snippet.prefix}");
`;
}
