import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FactsPool } from './facts-pool';
import { editWithinBody } from './body-edit';
import { LineIndex } from '../parsing/line-index';
import { changedSpan } from '../parsing/changed-span';
import { DEBIAN_CONFIG } from '../knowledge/kernel-config';
import { BACKGROUND_NICENESS } from './thread-priority';

// A WASM trap cannot be caused on demand, so the pool's failure handling is driven by a stand-in
// worker that speaks the same protocol: `crash.c` kills it, `hang.c` never answers, and any other
// file is answered with empty facts named after it.
const STAND_IN = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (request) => {
  if (request.forget) return;
  if (request.path.endsWith('crash.c')) process.exit(3);
  if (request.path.endsWith('hang.c')) for (;;) {}
  // slow.c is answered late, after the job posted behind it.
  if (request.path.endsWith('slow.c')) {
    setTimeout(() => parentPort.postMessage({ id: request.id, error: 'slow', fatal: false }), 200);
    return;
  }
  const packed = { names: '', lines: new Int32Array(0), characters: new Int32Array(0), fromIndexes: new Int32Array(0) };
  parentPort.postMessage({ id: request.id, wire: { uri: request.uri, symbols: [], macroUses: [], packed } });
});
`;

const OPTIONS = { version: [6, 1] as const, config: DEBIAN_CONFIG, builtin: false };

describe('facts pool', () => {
  let script: string;
  before(() => {
    script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-pool-')), 'stand-in.js');
    fs.writeFileSync(script, STAND_IN);
  });
  after(() => fs.rmSync(path.dirname(script), { recursive: true, force: true }));

  const analyzeAll = (pool: FactsPool, names: string[]) => Promise.all(names.map((name) => pool.analyze(name, `/m/${name}`, OPTIONS)));

  it('answers every file, with several jobs in flight per worker', async () => {
    const pool = new FactsPool({ size: 2, timeoutMs: 5_000, script });
    try {
      const names = Array.from({ length: 50 }, (_, i) => `f${i}.c`);
      const facts = await analyzeAll(pool, names);
      assert.deepEqual(
        facts.map((f) => f.uri),
        names,
      );
      assert.ok(facts.every((f) => !f.unanalyzable));
      assert.equal(pool.pending, 0);
    } finally {
      await pool.dispose();
    }
  });

  it('starts one worker per turn of the event loop (starting one holds the thread), and all of them soon', async () => {
    const pool = new FactsPool({ size: 2, timeoutMs: 5_000, script });
    try {
      const answers = analyzeAll(
        pool,
        Array.from({ length: 20 }, (_, i) => `g${i}.c`),
      );
      assert.equal(pool.workerCount, 1, 'the first worker starts at once');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(pool.workerCount, 2, 'the second one a turn later');
      assert.ok((await answers).every((f) => !f.unanalyzable));
    } finally {
      await pool.dispose();
    }
  });

  it('blames only the file that killed a worker; the job queued behind it is analyzed by a fresh one', async () => {
    const pool = new FactsPool({ size: 1, timeoutMs: 5_000, script });
    try {
      const facts = await analyzeAll(pool, ['a.c', 'crash.c', 'b.c', 'c.c']);
      assert.deepEqual(
        facts.map((f) => [f.uri, f.unanalyzable === undefined]),
        [
          ['a.c', true],
          ['crash.c', false],
          ['b.c', true],
          ['c.c', true],
        ],
      );
      assert.match(facts[1].unanalyzable ?? '', /crashed/);
      assert.equal(facts[1].transient, true, 'a crash is worth another try later');
      assert.equal(pool.crashes, 1);
    } finally {
      await pool.dispose();
    }
  });

  it('matches answers that come out of order to their jobs (no timeout for the quick one)', async () => {
    const pool = new FactsPool({ size: 1, timeoutMs: 5_000, script });
    try {
      const started = Date.now();
      const [slow, quick] = await Promise.all([
        pool.analyze('slow.c', '/m/slow.c', OPTIONS),
        pool.analyze('quick.c', '/m/quick.c', OPTIONS),
      ]);
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.equal(slow.unanalyzable, 'could not analyze: slow');
      assert.equal(slow.transient, undefined, 'an error of the file itself is not retried until it changes');
      assert.equal(quick.uri, 'quick.c');
      assert.equal(quick.unanalyzable, undefined);
      assert.equal(pool.crashes, 0);
    } finally {
      await pool.dispose();
    }
  });

  it('stops a file that hangs and goes on with the rest', async () => {
    const pool = new FactsPool({ size: 1, timeoutMs: 300, script });
    try {
      const facts = await analyzeAll(pool, ['hang.c', 'after.c']);
      assert.match(facts[0].unanalyzable ?? '', /longer than 0.3 s/);
      assert.equal(facts[1].uri, 'after.c');
      assert.equal(facts[1].unanalyzable, undefined);
      assert.equal(pool.crashes, 1);
    } finally {
      await pool.dispose();
    }
  });

  it('stops idle workers (giving back their memory) and starts new ones on demand', async () => {
    const pool = new FactsPool({ size: 2, timeoutMs: 5_000, script, idleMs: 100 });
    try {
      await analyzeAll(pool, ['a.c', 'b.c', 'c.c']);
      assert.equal(pool.workerCount, 2);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(pool.workerCount, 0);
      const [again] = await analyzeAll(pool, ['d.c']);
      assert.equal(again.uri, 'd.c');
      assert.equal(again.unanalyzable, undefined);
      assert.equal(pool.crashes, 0);
    } finally {
      await pool.dispose();
    }
  });

  it('holds new jobs while told to (an open file is being analyzed) and tells when it is idle', async () => {
    let hold = true;
    let idle = 0;
    const pool = new FactsPool({
      size: 1,
      timeoutMs: 5_000,
      script,
      holdWhile: () => hold,
      onIdle: () => {
        idle++;
      },
    });
    try {
      let answered = 0;
      const all = analyzeAll(pool, ['a.c', 'b.c']).then((facts) => {
        answered = facts.length;
        return facts;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(answered, 0, 'nothing starts while held');
      assert.equal(pool.workerCount, 0);
      hold = false;
      pool.resume();
      assert.deepEqual(
        (await all).map((f) => f.uri),
        ['a.c', 'b.c'],
      );
      assert.equal(idle, 1);
    } finally {
      await pool.dispose();
    }
  });

  it('answers what is left when it shuts down', async () => {
    const pool = new FactsPool({ size: 1, timeoutMs: 5_000, script });
    const pending = analyzeAll(pool, ['hang.c', 'x.c', 'y.c']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.dispose();
    const facts = await pending;
    assert.ok(facts.every((f) => /shutting down/.test(f.unanalyzable ?? '')));
  });
});

describe('facts pool: thread priority', () => {
  /** This process's threads by nice value (Linux: a thread's nice value is its own). */
  const threadsAtNice = (nice: number): number =>
    fs.readdirSync('/proc/self/task').filter((task) => {
      const stat = fs.readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      // Fields after the command's closing parenthesis; the nice value is the 19th field of the line.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) === nice;
    }).length;

  it("runs a low-priority pool's workers at nice 10 and leaves the other threads as they are", async () => {
    const low = new FactsPool({ size: 1, lowPriority: true });
    const normal = new FactsPool({ size: 1 });
    try {
      const before = threadsAtNice(BACKGROUND_NICENESS);
      await normal.analyze('file:///a.c', '/a.c', OPTIONS, 'int a;\n');
      assert.equal(threadsAtNice(BACKGROUND_NICENESS), before, 'a pool without lowPriority lowered a thread');
      await low.analyze('file:///b.c', '/b.c', OPTIONS, 'int b;\n');
      assert.equal(threadsAtNice(BACKGROUND_NICENESS), before + 1, 'the low-priority worker runs at nice 10');
      assert.equal(os.getPriority(), 0, "the test's own thread keeps its priority");
    } finally {
      await Promise.all([low.dispose(), normal.dispose()]);
    }
  });
});

describe('facts pool: an open document answered as changes of its last facts', () => {
  const source = fs.readFileSync(path.resolve(__dirname, '../../../../test/kbuild/fixtures/mixed/mixed.c'), 'utf8');
  const fresh = async (text: string) => {
    const pool = new FactsPool({ size: 1 });
    try {
      return (await pool.analyzeOpen('file:///fresh.c', '/fresh.c', OPTIONS, text)).facts;
    } finally {
      await pool.dispose();
    }
  };

  it('keeps what an edit left as it was (the same objects) and equals a fresh analysis', async () => {
    const pool = new FactsPool({ size: 1 });
    try {
      const uri = 'file:///open.c';
      const first = (await pool.analyzeOpen(uri, '/open.c', OPTIONS, source)).facts;
      const appended = `${source}\nstatic int __init typed(void)\n{\n\treturn 0;\n}\n`;
      const second = (await pool.analyzeOpen(uri, '/open.c', OPTIONS, appended)).facts;
      assert.deepEqual({ ...second, uri: 'file:///fresh.c' }, await fresh(appended));
      assert.equal(second.references[0], first.references[0], 'the references before the edit are the ones answered before');
      assert.equal(second.symbols[0], first.symbols[0]);
      // Two versions in flight at once, then one after a forget: each still equals a fresh analysis.
      const edits = [`${appended}int late;\n`, `${appended}int late;\nint later;\n`];
      const both = await Promise.all(edits.map((text) => pool.analyzeOpen(uri, '/open.c', OPTIONS, text)));
      for (const [i, text] of edits.entries()) assert.deepEqual({ ...both[i].facts, uri: 'file:///fresh.c' }, await fresh(text));
      pool.forget(uri);
      const again = (await pool.analyzeOpen(uri, '/open.c', OPTIONS, source)).facts;
      assert.deepEqual({ ...again, uri: 'file:///fresh.c' }, await fresh(source));
      assert.notEqual(again.references[0], first.references[0], 'after a forget the answer is whole');
    } finally {
      await pool.dispose();
    }
  });

  it("hands over an open document's line starts: a line typed in a body after the answer moves what follows right", async () => {
    const pool = new FactsPool({ size: 1 });
    try {
      const uri = 'file:///open.c';
      await pool.analyzeOpen(uri, '/open.c', OPTIONS, source);
      const edited = `${source}\nstatic int typed(void)\n{\n\treturn 0;\n}\n`;
      const answered = await pool.analyzeOpen(uri, '/open.c', OPTIONS, edited);
      assert.deepEqual(answered.lineStarts, new LineIndex(edited).copyOfStarts());
      // A new line inside the first body: every later position comes from the line starts handed over.
      const at = edited.indexOf('{\n') + 2;
      const typed = `${edited.slice(0, at)}\tprintk("x");\n${edited.slice(at)}`;
      const inBody = editWithinBody(answered, typed, OPTIONS);
      assert.ok(inBody, 'an edit inside a body');
      assert.deepEqual({ ...inBody.facts, uri: 'file:///fresh.c' }, await fresh(typed));
    } finally {
      await pool.dispose();
    }
  });

  it('sends the edits made inside bodies on this thread first, then answers as changes of the facts made here', async function () {
    this.timeout(20_000);
    const large = Array.from({ length: 160 }, (_, i) => source.replace(/\b(mixed_\w+)/g, `$1_${i}`)).join('\n');
    const pool = new FactsPool({ size: 1 });
    try {
      const uri = 'file:///large.c';
      const opened = await pool.analyzeOpen(uri, '/large.c', OPTIONS, large);
      // A call typed into a body in the middle, analyzed here (as the server does), then a function at the end.
      const at = large.indexOf('{\n', large.length / 2) + 2;
      const called = `${large.slice(0, at)}\tprintk("x");\n${large.slice(at)}`;
      const inBody = editWithinBody(opened, called, OPTIONS);
      assert.ok(inBody, 'an edit inside a body');
      const appended = `${called}\nstatic int __init typed(void)\n{\n\treturn 0;\n}\n`;
      const known = { from: called, facts: inBody.facts, span: changedSpan(called, appended) };
      const answer = await pool.analyzeOpen(uri, '/large.c', OPTIONS, appended, known);
      // One span from the middle to the end would have been too large an edit: the text would have gone whole.
      assert.deepEqual(pool.edits, { sent: 1, caughtUp: 1, resent: 0 });
      assert.deepEqual({ ...answer.facts, uri: 'file:///fresh.c' }, await fresh(appended));
      // Everything before the new function is the facts made here, the same objects.
      assert.ok(inBody.facts.references.every((ref, i) => answer.facts.references[i] === ref));
      assert.equal(answer.facts.references.length, inBody.facts.references.length);
      // Again, to a worker that lost the text meanwhile (nine other documents pushed it out): sent whole.
      const again = await pool.analyzeOpen(uri, '/large.c', OPTIONS, called);
      for (let i = 0; i < 9; i++) await pool.analyzeOpen(`file:///other-${i}.c`, `/other-${i}.c`, OPTIONS, source);
      const calledTwice = `${called.slice(0, at)}\tprintk("y");\n${called.slice(at)}`;
      const twice = editWithinBody(again, calledTwice, OPTIONS);
      assert.ok(twice, 'an edit inside a body');
      const lost = await pool.analyzeOpen(uri, '/large.c', OPTIONS, appended.replace(called, calledTwice), {
        from: calledTwice,
        facts: twice.facts,
        span: changedSpan(calledTwice, appended.replace(called, calledTwice)),
      });
      assert.deepEqual(pool.edits, { sent: 3, caughtUp: 2, resent: 1 });
      assert.deepEqual({ ...lost.facts, uri: 'file:///fresh.c' }, await fresh(appended.replace(called, calledTwice)));
    } finally {
      await pool.dispose();
    }
  });

  it('sends a large document as edits of the last text sent, and whole again to a worker that no longer has that text', async function () {
    // Five workers start, and each answer is compared with a fresh analysis: 2–2.6 s on two cores.
    this.timeout(20_000);
    // Large enough to be sent as edits: the fixture's functions again and again under other names.
    const large = Array.from({ length: 160 }, (_, i) => source.replace(/\b(mixed_\w+)/g, `$1_${i}`)).join('\n');
    assert.ok(large.length > 100_000);
    const pool = new FactsPool({ size: 1 });
    try {
      const uri = 'file:///large.c';
      await pool.analyzeOpen(uri, '/large.c', OPTIONS, large);
      const appended = `${large}\nstatic int __init typed(void)\n{\n\treturn 0;\n}\n`;
      // Two in flight: the second is an edit of the first, which the worker has not answered yet.
      const middle = `${appended.slice(0, 50_000)}int inserted;\n${appended.slice(50_000)}`;
      const [one, two] = await Promise.all([appended, middle].map((text) => pool.analyzeOpen(uri, '/large.c', OPTIONS, text)));
      assert.deepEqual(pool.edits, { sent: 2, caughtUp: 0, resent: 0 });
      assert.deepEqual({ ...one.facts, uri: 'file:///fresh.c' }, await fresh(appended));
      assert.deepEqual({ ...two.facts, uri: 'file:///fresh.c' }, await fresh(middle));
      // The worker keeps a few documents' texts: nine others push this one out.
      for (let i = 0; i < 9; i++) await pool.analyzeOpen(`file:///other-${i}.c`, `/other-${i}.c`, OPTIONS, source);
      const last = `${middle}int last;\n`;
      const after = await pool.analyzeOpen(uri, '/large.c', OPTIONS, last);
      assert.deepEqual(pool.edits, { sent: 3, caughtUp: 0, resent: 1 });
      assert.deepEqual({ ...after.facts, uri: 'file:///fresh.c' }, await fresh(last));
      assert.equal(after.text, last);
    } finally {
      await pool.dispose();
    }
  });

  it('sends random edits of a large document (a surrogate pair cut in two too), each answer equal to a fresh analysis', async function () {
    this.timeout(60_000);
    const large = Array.from({ length: 60 }, (_, i) => source.replace(/\b(mixed_\w+)/g, `$1_${i}`)).join('\n// 😀 ünïcödé\n');
    let seed = 20261205;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = [
      'x',
      '\n',
      'int added_%;\n',
      '😀',
      '}',
      '{',
      '/*',
      '*/',
      '#if 0\n',
      '#endif\n',
      '\r\n',
      'static int __init t_%(void) { return 0; }\n',
    ];
    const edits: ((text: string, step: number) => string)[] = [
      // 😀 → 😁: the same high surrogate, so the edit sent is a lone low one.
      (text) => text.replace('😀', '😁'),
      ...Array.from({ length: 14 }, () => (text: string, step: number) => {
        const at = random(text.length);
        const removed = random(4) === 0 ? random(40) : 0;
        return text.slice(0, at) + pieces[random(pieces.length)].replace('%', String(step)) + text.slice(at + removed);
      }),
    ];
    const pool = new FactsPool({ size: 1 });
    // Fresh analyses on a pool of their own, each under a new name (nothing kept to start from).
    const freshPool = new FactsPool({ size: 1 });
    try {
      const uri = 'file:///random.c';
      let text = large;
      const cut = changedSpan(large, edits[0](large, 0));
      assert.equal(cut.newEnd - cut.start, 1, 'the first edit is one code unit: half of a pair');
      await pool.analyzeOpen(uri, '/random.c', OPTIONS, text);
      for (const [step, edit] of edits.entries()) {
        text = edit(text, step);
        const answer = await pool.analyzeOpen(uri, '/random.c', OPTIONS, text);
        const fresh = await freshPool.analyzeOpen(`file:///fresh-${step}.c`, `/fresh-${step}.c`, OPTIONS, text);
        assert.deepEqual({ ...answer.facts, uri: '' }, { ...fresh.facts, uri: '' }, `step ${step}`);
      }
      assert.deepEqual(pool.edits, { sent: edits.length, caughtUp: 0, resent: 0 });
    } finally {
      await Promise.all([pool.dispose(), freshPool.dispose()]);
    }
  });
});
