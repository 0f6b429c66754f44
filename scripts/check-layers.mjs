// Checks the import graph of the TypeScript sources against the rooms of ARCHITECTURE.md:
// every relative import goes to a room the importer may use, no product code imports `vscode`
// outside the client, and no module imports itself through a cycle.
// Usage: node scripts/check-layers.mjs [repo root]   (exit 1 and one line per problem)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The server's layers, lowest first: each may import itself and those below it. */
const SERVER_LAYERS = ['knowledge', 'model', 'parsing', 'engine', 'analysis', 'features', 'lsp', 'entry'];

/**
 * Rooms, most specific prefix first. `may` lists the rooms a file there may import; test files
 * (`*.test.ts`) may also import test/support. `vscode` says whether the room may import the
 * `vscode` module (only the extension host provides it).
 */
export const ROOMS = [
  { room: 'shared', prefix: 'shared/src/', may: ['shared'] },
  ...SERVER_LAYERS.map((layer, i) => ({
    room: `server/${layer}`,
    prefix: layer === 'entry' ? 'server/src/server.ts' : `server/src/${layer}/`,
    may: ['shared', ...SERVER_LAYERS.slice(0, i + 1).map((below) => `server/${below}`)],
  })),
  { room: 'tools', prefix: 'tools/src/', may: ['shared', 'tools', ...SERVER_LAYERS.map((layer) => `server/${layer}`)] },
  { room: 'client', prefix: 'client/src/', may: ['shared', 'client'], vscode: true },
  { room: 'test/support', prefix: 'test/support/', may: ['*'] },
  { room: 'test', prefix: 'test/', may: ['*'], vscode: true },
];

const SOURCE_DIRS = ['shared/src', 'server/src', 'tools/src', 'client/src', 'test'];
const SKIPPED_DIRS = new Set(['fixtures', 'vm-fixtures', 'node_modules']);

export function roomOf(file) {
  return ROOMS.find((r) => file === r.prefix || file.startsWith(r.prefix));
}

function listSources(root) {
  const files = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(relative);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        files.push(relative);
      }
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  return files.sort();
}

/** Module specifiers of static imports and re-exports, `import('…')` and `require('…')`. */
export function importsOf(text) {
  const specifiers = [];
  const pattern =
    /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*'([^']+)'|(?:^|[\s;])import\s*'([^']+)'|\b(?:import|require)\(\s*'([^']+)'\s*\)/gm;
  for (const match of text.matchAll(pattern)) specifiers.push(match[1] ?? match[2] ?? match[3]);
  return specifiers;
}

function resolve(files, from, specifier) {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return [`${base}.ts`, `${base}/index.ts`].find((candidate) => files.has(candidate));
}

/** Elementary cycles are many; one per strongly connected component names the problem. */
function cycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

/** Problems in the sources under `root`, one sentence each; empty when the house is in order. */
export function checkLayers(root) {
  const files = listSources(root);
  const known = new Set(files);
  const graph = new Map();
  const problems = [];
  for (const file of files) {
    const room = roomOf(file);
    if (!room) {
      problems.push(`${file}: in no room of scripts/check-layers.mjs (add it to ROOMS and ARCHITECTURE.md)`);
      continue;
    }
    const isTest = file.endsWith('.test.ts');
    const edges = [];
    for (const specifier of importsOf(fs.readFileSync(path.join(root, file), 'utf8'))) {
      if (specifier === 'vscode') {
        if (!room.vscode) problems.push(`${file}: imports 'vscode', which only the extension host (client/src) has`);
        continue;
      }
      if (!specifier.startsWith('.')) continue;
      const target = resolve(known, file, specifier);
      if (!target) {
        problems.push(`${file}: imports '${specifier}', which is no source file`);
        continue;
      }
      edges.push(target);
      const targetRoom = roomOf(target);
      const allowed = room.may.includes('*') || room.may.includes(targetRoom?.room) || (isTest && targetRoom?.room === 'test/support');
      if (!allowed)
        problems.push(
          `${file} (${room.room}) imports ${target} (${targetRoom?.room ?? 'no room'}); ${room.room} may import ${room.may.join(', ')}`,
        );
    }
    if (!isTest) graph.set(file, edges);
  }
  for (const component of cycles(graph)) problems.push(`import cycle: ${component.join(' ⇄ ')}`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = checkLayers(root);
  for (const problem of problems) console.error(problem);
  if (problems.length) {
    console.error(`check-layers: ${problems.length} problem(s); the rooms and what each may import are in ARCHITECTURE.md`);
    process.exit(1);
  }
  console.log('check-layers: imports follow the rooms, no cycles');
}
