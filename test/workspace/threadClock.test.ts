// The per-file time bound's clock (workspace/threadClock.ts): it counts the CPU time of one thread,
// so it grows while the thread computes and stands still while the thread waits, however loaded
// the machine is. Both directions are asserted: a clock that counted wall time would fail the
// second test, one that counted nothing the first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'worker_threads';
import { currentThreadStatFile, threadCpuMs } from '../../server/src/workspace/threadClock';

const onLinux = process.platform === 'linux';

/** Computes until this process has used `ms` of CPU time (this test's thread is the only busy one). */
function spin(ms: number): void {
  const start = process.cpuUsage();
  let sink = 0;
  while (true) {
    for (let index = 0; index < 100_000; index++) sink = (sink + index * 7) % 1_000_003;
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) break;
  }
  assert.ok(sink >= 0);
}

test('the thread clock names the calling thread on Linux, and nothing elsewhere', () => {
  const file = currentThreadStatFile();
  if (onLinux) assert.match(file ?? '', /^\/proc\/\d+\/task\/\d+\/stat$/);
  else assert.equal(file, undefined);
});

test('the thread clock grows with the work the thread does', { skip: !onLinux && 'the clock is Linux only' }, () => {
  const file = currentThreadStatFile()!;
  const before = threadCpuMs(file)!;
  spin(300);
  const after = threadCpuMs(file)!;
  // 300 ms of CPU time, counted in 10 ms ticks; the process also has V8's own threads, so allow some.
  assert.ok(after - before >= 200, `thread CPU grew by ${after - before} ms over 300 ms of work`);
});

test('the thread clock stands still while the thread waits', { skip: !onLinux && 'the clock is Linux only' }, () => {
  const file = currentThreadStatFile()!;
  const before = threadCpuMs(file)!;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
  const after = threadCpuMs(file)!;
  assert.ok(after - before < 100, `thread CPU grew by ${after - before} ms over a 400 ms wait`);
});

test("the main thread reads a worker thread's clock, not its own", { skip: !onLinux && 'the clock is Linux only' }, async () => {
  // The worker computes; the main thread waits for it and reads the worker's stat file.
  // It computes for 300 ms of its own CPU time when told, then stays alive (its message listener
  // keeps it) until terminated, so its clock can be read after the work.
  const worker = new Worker(
    `const { parentPort } = require('worker_threads');
     const fs = require('fs');
     const self = '/proc/' + fs.readlinkSync('/proc/thread-self') + '/stat';
     const cpu = () => { const f = fs.readFileSync(self, 'utf8'); const x = f.slice(f.lastIndexOf(')') + 2).split(' '); return (Number(x[11]) + Number(x[12])) * 10; };
     parentPort.on('message', () => {
       let sink = 0;
       const start = cpu();
       while (cpu() - start < 300) for (let i = 0; i < 100000; i++) sink = (sink + i) % 7;
       parentPort.postMessage(String(sink));
     });
     parentPort.postMessage(self);`,
    { eval: true },
  );
  const file = await new Promise<string>((resolve) => worker.once('message', resolve));
  const mine = currentThreadStatFile()!;
  assert.notEqual(file, mine);
  const workerBefore = threadCpuMs(file);
  const mineBefore = threadCpuMs(mine);
  worker.postMessage('go');
  await new Promise((resolve) => worker.once('message', resolve));
  const workerAfter = threadCpuMs(file);
  const mineAfter = threadCpuMs(mine);
  await worker.terminate();
  assert.ok(workerBefore !== undefined && workerAfter !== undefined && mineBefore !== undefined && mineAfter !== undefined);
  assert.ok(workerAfter - workerBefore >= 250, `worker CPU grew by ${workerAfter - workerBefore} ms`);
  assert.ok(mineAfter - mineBefore < 150, `main thread CPU grew by ${mineAfter - mineBefore} ms while it waited`);
});
