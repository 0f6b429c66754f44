// Where the time goes: reads V8 .cpuprofile files (node --cpu-prof, one per thread) and sums self
// time into groups: pre-pass, skeleton, parse (WASM), tree-sitter API calls from the extractor (cursor / node
// marshalling), extract, check, structured clone and messaging, file reading, GC, idle.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Group of a stack, decided by walking from the leaf to the root: anything under web-tree-sitter's
 * Parser.parse is parsing; otherwise the first frame that belongs to a known part decides.
 */
const FRAME_GROUPS = [
  { group: 'tree-sitter API (cursor/node marshalling)', test: (f) => f.url.includes('web-tree-sitter') },
  { group: 'prepass', test: (f) => /\/parsing\/prepass\.js$/.test(f.url) },
  { group: 'skeleton (bodies cut out)', test: (f) => /\/parsing\/skeleton\.js$/.test(f.url) },
  // knowledge/ tables serve both extract and check: their frames fall through to the caller.
  { group: 'extract (JS)', test: (f) => /\/parsing\/(extract|line-index|references)\.js$/.test(f.url) },
  { group: 'check', test: (f) => /\/engine\/check\.js$/.test(f.url) },
  { group: 'module grouping (Kbuild)', test: (f) => /\/engine\/(kbuild|project)\.js$/.test(f.url) },
  { group: 'analyze-file (size/binary checks)', test: (f) => /\/engine\/analyze-file\.js$/.test(f.url) },
  {
    group: 'structured clone / messaging',
    test: (f) =>
      /internal\/worker|internal\/per_context\/messageport|facts-pool\.js$|parse-worker\.js$/.test(f.url) ||
      /^(postMessage|serialize|deserialize|receiveMessageOnPort)$/.test(f.functionName),
  },
  { group: 'file reading', test: (f) => f.url === 'node:fs' || f.url.startsWith('node:internal/fs') },
  { group: 'bench harness', test: (f) => f.url.includes('/bench-lib/') },
];

const SPECIAL = {
  '(garbage collector)': 'GC',
  '(idle)': 'idle (waiting)',
  '(program)': 'V8/native (program)',
  '(root)': 'V8/native (program)',
};

const isWasm = (frame) => frame.url.startsWith('wasm://') || /^(wasm-function|\$|js-to-wasm|wasm-to-js)/.test(frame.functionName);

function groupOf(chain, wasmRole) {
  const leaf = chain[0];
  if (SPECIAL[leaf.functionName] && leaf.url === '') return SPECIAL[leaf.functionName];
  if (chain.some((f) => f.functionName === 'parse' && f.url.includes('web-tree-sitter')))
    return isWasm(leaf) ? `parse (WASM ${wasmRole(leaf)})` : 'parse (JS glue: input callback, setup)';
  for (const frame of chain) {
    for (const rule of FRAME_GROUPS) {
      if (rule.test(frame))
        return rule.group === FRAME_GROUPS[0].group && isWasm(leaf)
          ? `${rule.group}: WASM`
          : rule.group === FRAME_GROUPS[0].group
            ? `${rule.group}: JS`
            : rule.group;
    }
  }
  return 'other';
}

function analyseOne(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map();
  // Sample i lasts until the next sample: its duration is timeDeltas[i + 1].
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  // Two WASM modules run: the tree-sitter runtime (hundreds of functions) and the C grammar (a lexer
  // and tables, a handful of functions). Without names in the binaries, the function count tells them apart.
  const maxIndex = new Map();
  for (const node of profile.nodes) {
    const match = /^wasm-function\[(\d+)\]/.exec(node.callFrame.functionName);
    if (match && node.callFrame.url) maxIndex.set(node.callFrame.url, Math.max(maxIndex.get(node.callFrame.url) ?? 0, Number(match[1])));
  }
  const modules = [...maxIndex.entries()].sort((a, b) => b[1] - a[1]);
  const wasmRole = (frame) => (modules.length < 2 ? 'code' : frame.url === modules[0][0] ? 'runtime: parser' : 'grammar: lexer');
  const groups = {};
  const functions = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const chain = [];
    for (let at = id; at !== undefined; at = parent.get(at)) chain.push(byId.get(at).callFrame);
    const group = groupOf(chain, wasmRole);
    groups[group] = (groups[group] ?? 0) + us;
    totalUs += us;
    const leaf = chain[0];
    const key = `${leaf.functionName || '(anonymous)'} ${leaf.url ? `${path.basename(leaf.url)}:${leaf.lineNumber + 1}` : ''}`.trim();
    const entry = functions.get(key) ?? { name: key, group, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  return {
    file: path.basename(file),
    totalMs: totalUs / 1000,
    groups: Object.fromEntries(Object.entries(groups).map(([g, us]) => [g, us / 1000])),
    top: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 25)
      .map((f) => ({ ...f, ms: f.us / 1000 })),
  };
}

/** One entry per thread profile in `dir` (main thread first). */
export function analyseProfiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort()
    .map((name) => analyseOne(path.join(dir, name)))
    .sort((a, b) => b.totalMs - a.totalMs);
}

export function formatProfile(title, threads) {
  const lines = [`profile: ${title}`];
  if (!threads.length) return `${lines[0]}: no profile written`;
  threads.forEach((thread, index) => {
    lines.push(`  thread ${index + 1} (${thread.file}): ${(thread.totalMs / 1000).toFixed(2)} s sampled`);
    for (const [group, ms] of Object.entries(thread.groups).sort((a, b) => b[1] - a[1])) {
      if (ms / thread.totalMs < 0.002) continue;
      lines.push(`    ${(ms / 1000).toFixed(2).padStart(8)} s ${((100 * ms) / thread.totalMs).toFixed(1).padStart(5)} %  ${group}`);
    }
    lines.push('    top self time:');
    for (const fn of thread.top.slice(0, 15))
      lines.push(
        `      ${(fn.ms / 1000).toFixed(2).padStart(7)} s ${((100 * fn.ms) / thread.totalMs).toFixed(1).padStart(5)} %  ${fn.name}  [${fn.group}]`,
      );
  });
  return lines.join('\n');
}
