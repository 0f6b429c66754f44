import * as assert from 'node:assert/strict';
import { parseOopsLine } from './parse';

// Lines as printed by Debian's 6.1.0-56-amd64 in real VM runs of hello-3 and by the
// params fixture's WARN_ON.
describe('parseOopsLine', () => {
  it('reads the RIP of the hello-3 oops, with and without the printk time', () => {
    const expected = { kind: 'rip', function: 'hello_3_exit', offset: 0, size: 0x1000, module: 'hello_3', reliable: true };
    assert.deepEqual(parseOopsLine('RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]'), expected);
    assert.deepEqual(parseOopsLine('[    2.807902] RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]'), expected);
  });

  it('reads call-trace frames of the kernel image (no module) and guessed "?" frames', () => {
    assert.deepEqual(parseOopsLine('[    2.809851]  __do_sys_delete_module+0x1b9/0x330'), {
      kind: 'frame',
      function: '__do_sys_delete_module',
      offset: 0x1b9,
      size: 0x330,
      module: undefined,
      reliable: true,
    });
    assert.deepEqual(parseOopsLine('[    2.810209]  ? __handle_mm_fault+0x660/0xfa0'), {
      kind: 'frame',
      function: '__handle_mm_fault',
      offset: 0x660,
      size: 0xfa0,
      module: undefined,
      reliable: false,
    });
    assert.equal(parseOopsLine(' entry_SYSCALL_64_after_hwframe+0x6e/0xd8')?.function, 'entry_SYSCALL_64_after_hwframe');
  });

  it('reads module frames with compiler suffixes and build ids, and the old [<address>] form', () => {
    assert.deepEqual(parseOopsLine(' hello_exit.cold+0x5/0x20 [hello_3]'), {
      kind: 'frame',
      function: 'hello_exit.cold',
      offset: 5,
      size: 0x20,
      module: 'hello_3',
      reliable: true,
    });
    assert.equal(parseOopsLine(' finish_task_switch.isra.0+0x90/0x2d0')?.function, 'finish_task_switch.isra.0');
    assert.equal(parseOopsLine(' my_probe+0x1b/0x40 [mymod 3f2a9c0d1e]')?.module, 'mymod');
    // 3.x kernels print the address once or twice in brackets before the symbol
    assert.equal(parseOopsLine('RIP: 0010:[<ffffffffa0000000>]  [<ffffffffa0000000>] my_fn+0x10/0x30 [mymod]')?.function, 'my_fn');
    assert.equal(parseOopsLine(' [<ffffffffa0000010>] my_fn+0x20/0x30 [mymod]')?.offset, 0x20);
    assert.equal(parseOopsLine(' [<ffffffffa0000010>] ? my_fn+0x20/0x30 [mymod]')?.reliable, false);
  });

  it('reads WARNING lines with the file:line the kernel printed', () => {
    const line =
      '[    2.688892] WARNING: CPU: 0 PID: 84 at /tmp/vmw/pm/kvmtest_params.c:23 kvmtest_params_init+0x27/0x1000 [kvmtest_params]';
    assert.deepEqual(parseOopsLine(line), {
      kind: 'warning',
      function: 'kvmtest_params_init',
      offset: 0x27,
      size: 0x1000,
      module: 'kvmtest_params',
      reliable: true,
      reportedSource: { file: '/tmp/vmw/pm/kvmtest_params.c', line: 23 },
    });
  });

  it('returns undefined for lines without a code location', () => {
    for (const line of [
      'RIP: 0033:0x47fbe9', // user-space RIP
      '[    2.806264] Oops: 0000 [#1] PREEMPT SMP NOPTI',
      '[    2.804964] BUG: unable to handle page fault for address: ffffffffc0207008',
      '[    2.809759]  <TASK>',
      '[    1.766443] Hello, world 3',
      '@@KVMTEST rmmod-1 hello_3 uptime=2.78',
    ]) {
      assert.equal(parseOopsLine(line), undefined, line);
    }
  });
});
