import * as assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageChannel } from 'node:worker_threads';
import { analysisSettled, EditPacing } from './edit-pacing';

describe('EditPacing (re-analysis while typing)', () => {
  const setUp = (cost: number | undefined, length?: number) => {
    const runs: { uri: string; at: number }[] = [];
    const start = performance.now();
    const pacing = new EditPacing(
      () => cost,
      (uri) => {
        runs.push({ uri, at: performance.now() - start });
      },
      () => length,
    );
    /** Types `count` keys into big.c, `gapMs` apart: when each came (ms since the set-up). */
    const typeKeys = async (count: number, gapMs: number): Promise<number[]> => {
      const keys: number[] = [];
      for (let i = 0; i < count; i++) {
        pacing.changed('file:///big.c');
        keys.push(performance.now() - start);
        await sleep(gapMs);
      }
      return keys;
    };
    return { pacing, runs, typeKeys };
  };
  /** An analysis of `cost` ms by its last run's measure, on a worker: each one started ends `ms` later. */
  const setUpOnWorker = (cost: number, ms: number) => {
    const runs: number[] = [];
    const start = performance.now();
    const pacing = new EditPacing(
      () => cost,
      () => {
        runs.push(performance.now() - start);
        return sleep(ms);
      },
    );
    return { pacing, runs };
  };

  it('analyses a cheap document on every key, at once', () => {
    const { pacing, runs } = setUp(2);
    for (let i = 0; i < 3; i++) pacing.changed('file:///a.c');
    assert.equal(runs.length, 3);
    pacing.dispose();
  });

  it('holds the keys of a burst in a long text whose analysis is cheap by the clock: each version of the text costs a copy, and its collection', async () => {
    const { pacing, runs, typeKeys } = setUp(2, 700_000);
    const keyTimes = await typeKeys(5, 20);
    assert.equal(runs.length, 1, 'the first key at once, then nothing while the keys come');
    await sleep(80);
    assert.equal(runs.length, 2);
    assert.ok(
      runs[1].at >= keyTimes[keyTimes.length - 1] + 20,
      `ran at ${runs[1].at} ms, the last key at ${keyTimes[keyTimes.length - 1]} ms`,
    );
    pacing.dispose();
    const short = setUp(2, 20_000);
    await short.typeKeys(5, 20);
    assert.equal(short.runs.length, 5, 'a short text: every key');
    short.pacing.dispose();
  });

  it('analyses a document never analysed before at once', () => {
    const { pacing, runs } = setUp(undefined);
    pacing.changed('file:///a.c');
    assert.equal(runs.length, 1);
    pacing.dispose();
  });

  it('analyses a slow document at once after a pause, then once more when a fast burst of keys stops (after half its cost, at most 100 ms)', async () => {
    const { runs, typeKeys } = setUp(400);
    const keyTimes = await typeKeys(5, 20);
    const lastKey = keyTimes[keyTimes.length - 1];
    assert.equal(runs.length, 1, 'the first key at once, nothing while the keys come faster than the pause');
    await sleep(150);
    assert.equal(runs.length, 2);
    assert.ok(runs[1].at >= lastKey + 95, `ran at ${runs[1].at} ms, the last key at ${lastKey} ms`);
  });

  it('analyses every key of a slow document typed at an ordinary pace (keys further apart than an analysis takes)', async () => {
    const { pacing, runs } = setUp(30);
    for (let i = 0; i < 3; i++) {
      pacing.changed('file:///big.c');
      assert.equal(runs.length, i + 1);
      await sleep(90);
    }
  });

  it('holds a burst of keys 30 ms apart even when an analysis takes less than the gap, and analyses a tenth longer than its rhythm after the last key', async () => {
    const { runs, typeKeys } = setUp(10);
    const keyTimes = await typeKeys(6, 30);
    const lastKey = keyTimes[keyTimes.length - 1];
    assert.equal(runs.length, 1, 'the first key at once, then nothing while the burst goes on');
    await sleep(40);
    assert.equal(runs.length, 2);
    const gaps = keyTimes
      .slice(1)
      .map((at, i) => at - keyTimes[i])
      .sort((a, b) => a - b);
    const rhythm = 1.1 * gaps[gaps.length >> 1];
    assert.ok(
      runs[1].at >= lastKey + Math.min(40, rhythm) - 2 && runs[1].at < lastKey + 70,
      `ran at ${runs[1].at} ms, the last key at ${lastKey} ms`,
    );
  });

  it('takes a faster rhythm for a shorter pause (a tool typing keys 15 ms apart: 25 ms)', async () => {
    const { runs, typeKeys } = setUp(10);
    const keyTimes = await typeKeys(8, 15);
    const lastKey = keyTimes[keyTimes.length - 1];
    await sleep(45);
    assert.equal(runs.length, 2);
    assert.ok(runs[1].at >= lastKey + 23 && runs[1].at < lastKey + 38, `ran at ${runs[1].at} ms, the last key at ${lastKey} ms`);
  });

  it('waits the full pause after a burst too short to have a rhythm', async () => {
    const { runs, typeKeys } = setUp(10);
    const keyTimes = await typeKeys(3, 20);
    const lastKey = keyTimes[keyTimes.length - 1];
    assert.equal(runs.length, 1);
    await sleep(50);
    assert.equal(runs.length, 2);
    assert.ok(runs[1].at >= lastKey + 38, `ran at ${runs[1].at} ms, the last key at ${lastKey} ms`);
  });

  it('does not take the wait for an analysis holding the thread for a pause of the typist (the next key is paced)', async () => {
    const { pacing, runs } = setUp(90);
    pacing.changed('file:///big.c');
    await sleep(65); // The analysis "ran" for 90 ms: this key was typed during it.
    pacing.changed('file:///big.c');
    assert.equal(runs.length, 1, 'the key after the analysis waits for a pause');
    await sleep(120);
    assert.equal(runs.length, 2);
  });

  it('takes the thread as busy for as long as the analysis turned out to take, not as the one before it took', async () => {
    let cost = 10;
    const runs: number[] = [];
    const pacing = new EditPacing(
      () => cost,
      () => {
        runs.push(performance.now());
      },
    );
    pacing.changed('file:///big.c');
    // That analysis (a newline that moved every later line) took 90 ms, and said so when it ended.
    cost = 90;
    await sleep(65);
    pacing.changed('file:///big.c');
    assert.equal(runs.length, 1, 'a key held back by the analysis is no pause of the typist');
    await sleep(120);
    assert.equal(runs.length, 2);
    pacing.dispose();
  });

  it('reads the keys that came while the thread was busy before it starts a paced analysis', async () => {
    const runs: number[] = [];
    const pacing = new EditPacing(
      () => 90,
      () => {
        runs.push(performance.now());
      },
    );
    // Keys come as input the event loop reads, after the timers that expired meanwhile.
    const { port1, port2 } = new MessageChannel();
    port2.on('message', () => pacing.changed('file:///big.c'));
    try {
      pacing.changed('file:///big.c');
      await sleep(10);
      pacing.changed('file:///big.c'); // paced: the analysis waits for a pause
      port1.postMessage('key');
      // The thread is busy past the pause: the next key came meanwhile, unread.
      const until = performance.now() + 70;
      while (performance.now() < until);
      await sleep(5);
      assert.equal(runs.length, 1, 'the key that came is read first: the typing goes on, no analysis yet');
      await sleep(120);
      assert.equal(runs.length, 2, 'one analysis after the last key');
    } finally {
      port1.close();
      pacing.dispose();
    }
  });

  it('starts no analysis while the one it started is under way (on a worker): the keys typed meanwhile are analysed after their pause', async () => {
    const { pacing, runs } = setUpOnWorker(100, 200);
    try {
      // Keys 60 ms apart, further than the pause of 50 ms (half an analysis): each pause ends while the first analysis runs.
      for (let i = 0; i < 4; i++) {
        pacing.changed('file:///big.c');
        await sleep(60);
      }
      await sleep(150);
      assert.equal(runs.length, 2, `analyses at ${runs.map((at) => Math.round(at)).join(', ')} ms`);
      assert.ok(runs[1] >= 200, "the second after the first ended, and after the last key's pause");
    } finally {
      pacing.dispose();
    }
  });

  it('gives the keys a while after an analysis that held the cores: a key the editor was held up with is not taken for a pause', async () => {
    // Half an analysis, 100 ms, is the pause; after the analysis, keys are waited for half as long.
    const { pacing, runs } = setUpOnWorker(200, 300);
    try {
      // Keys 30 ms apart; the first (after a pause) is analysed at once, until 300 ms.
      for (let i = 0; i < 3; i++) {
        pacing.changed('file:///big.c');
        await sleep(30);
      }
      // The next key, held up: it comes 10 ms after the analysis ended, 250 ms after the last one.
      await sleep(220);
      pacing.changed('file:///big.c');
      await sleep(300);
      assert.equal(runs.length, 2, `analyses at ${runs.map((at) => Math.round(at)).join(', ')} ms`);
      assert.ok(runs[1] >= 380, `the second after the held-up key's pause (${Math.round(runs[1])} ms)`);
    } finally {
      pacing.dispose();
    }
  });

  it('still analyses at least every second while the typing goes on', async () => {
    const { pacing, runs } = setUp(100);
    const until = performance.now() + 1400;
    while (performance.now() < until) {
      pacing.changed('file:///big.c');
      await sleep(30);
    }
    assert.ok(runs.length >= 1, 'an analysis during 1.4 s of typing');
    pacing.dispose();
  });

  it('lets a request wait for the paced analysis, which is scheduled before the request goes on', async () => {
    const { pacing, runs } = setUp(50);
    pacing.changed('file:///big.c');
    pacing.changed('file:///big.c');
    assert.equal(runs.length, 1);
    await pacing.settled('file:///big.c');
    assert.equal(runs.length, 2);
    await pacing.settled('file:///big.c'); // nothing pending: at once
  });

  it('releases waiting requests when the document is closed, without analysing it', async () => {
    const { pacing, runs } = setUp(50);
    pacing.changed('file:///big.c');
    pacing.changed('file:///big.c');
    const waited = pacing.settled('file:///big.c');
    pacing.closed('file:///big.c');
    await waited;
    await sleep(70);
    assert.equal(runs.length, 1, 'only the first key');
  });

  it('starts no analysis for a request whose document was closed while it waited', async () => {
    const document = { uri: 'file:///big.c', version: 1 };
    let open = true;
    const asked: number[] = [];
    const pacing = new EditPacing(
      () => 50,
      () => undefined,
    );
    pacing.changed(document.uri);
    document.version++;
    pacing.changed(document.uri);
    const request = analysisSettled(
      pacing,
      document,
      (version) => {
        asked.push(version);
        return Promise.resolve();
      },
      () => !open,
    );
    open = false;
    pacing.closed(document.uri);
    await request;
    assert.deepEqual(asked, [], 'the closed text is not analysed');
    pacing.dispose();
  });

  it('lets a request that waited go on only at a version analysed for the publisher: keys during the analysis make it wait again', async () => {
    const document = { uri: 'file:///big.c', version: 1 };
    // The publisher's analyses, one per version, each taking 30 ms (keys arrive meanwhile).
    const analyses = new Map<number, Promise<void>>();
    const analyze = (version: number): Promise<void> => {
      let analysis = analyses.get(version);
      if (!analysis) analyses.set(version, (analysis = sleep(30).then(() => undefined)));
      return analysis;
    };
    const pacing = new EditPacing(
      () => 50,
      () => void analyze(document.version),
    );
    const key = (): void => {
      document.version++;
      pacing.changed(document.uri);
    };
    key(); // after a pause: analysed at once
    key(); // paced
    const published: number[] = [];
    const request = analysisSettled(pacing, document, analyze, () => false).then(() => published.push(document.version));
    // Keys keep coming while the paced analysis runs, then stop.
    await sleep(45);
    for (let i = 0; i < 4; i++) {
      key();
      await sleep(10);
    }
    await request;
    assert.deepEqual(published, [document.version], 'the request goes on at the version the document has');
    assert.ok(analyses.has(document.version), 'which the publisher analysed');
    assert.deepEqual([...analyses.keys()], [2, 3, document.version], 'and no analysis was started for the request');
    pacing.dispose();
  });
});
