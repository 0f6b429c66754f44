import * as assert from 'node:assert/strict';
import { stageOfMarker, withoutMarker } from './progress';
import { parseMarker } from './summary';

describe('VM progress from the guest markers', () => {
  const run = { moduleName: 'hello_3', settleSeconds: 1 };
  const stage = (line: string) => stageOfMarker(parseMarker(line, 0, 0)!, run);

  it('names the steps of the test and nothing else', () => {
    assert.deepEqual(stage('@@KVMTEST init-start kernel=6.1.0-57-amd64 uptime=2.01'), {
      stage: 'init',
      message: 'kernel 6.1.0-57-amd64 booted, /init running',
    });
    assert.deepEqual(stage('@@KVMTEST insmod /hello_3.ko uptime=2.1'), { stage: 'insmod', message: 'insmod hello_3' });
    assert.deepEqual(stage('@@KVMTEST settle 1s uptime=2.2'), { stage: 'settle', message: 'waiting 1 s before rmmod' });
    assert.deepEqual(stage('@@KVMTEST rmmod-2 hello_3 uptime=3.2'), { stage: 'rmmod', message: 'rmmod hello_3' });
    assert.equal(stage('@@KVMTEST rmmod-1-done rc=137 uptime=3.2'), undefined);
    assert.equal(stage('@@KVMTEST insmod-done rc=0 uptime=3.2'), undefined);
  });

  it('a marker line is never shown, the kernel text the console put before it is', () => {
    assert.equal(withoutMarker('@@KVMTEST insmod /hello_3.ko uptime=2.1'), undefined);
    assert.equal(withoutMarker('[    2.1] hello@@KVMTEST insmod-done rc=0 uptime=2.1'), '[    2.1] hello');
    assert.equal(withoutMarker('[    2.1] Hello, world 3'), '[    2.1] Hello, world 3');
  });
});
