// Bull's own ceiling: no-op jobs on the same Redis under a prefix of their own, processed at the
// dispatcher's concurrency with the dispatcher's job options (removeOnComplete/removeOnFail, ids
// only as data). Jobs are added first (addBulk, 500 a batch, as the dispatcher does), then one
// worker in this process drains them; the rate is jobs completed per second of draining.
import Queue from 'bull';

async function run({ redisUrl, prefix, concurrency, count }) {
  const queue = new Queue('ceiling', redisUrl, { prefix });
  await queue.isReady();
  const addStarted = performance.now();
  for (let i = 0; i < count; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 500); j++) {
      batch.push({
        name: 'noop',
        data: { deliveryId: `dlv_${j}`, attempt: 1 },
        opts: { jobId: `dl:${j}:1`, attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true },
      });
    }
    await queue.addBulk(batch);
  }
  const addSeconds = (performance.now() - addStarted) / 1000;
  let done = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  const started = performance.now();
  // Counted on the local 'completed' event: after Bull's moveToFinished, like a real job.
  queue.on('completed', () => {
    done += 1;
    if (done === count) resolveAll();
  });
  void queue.process('noop', concurrency, async () => 'ok');
  await all;
  const seconds = (performance.now() - started) / 1000;
  await queue.close();
  return { count, seconds, perSecond: count / seconds, addPerSecond: count / addSeconds };
}

process.on('message', async (m) => {
  try {
    if (m.type !== 'run') throw new Error(`unknown command ${m.type}`);
    process.send({ seq: m.seq, result: await run(m) });
  } catch (error) {
    process.send({ seq: m.seq, error: error.message });
  }
});
process.on('disconnect', () => process.exit(0));
