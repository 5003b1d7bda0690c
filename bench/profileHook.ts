// Loaded into a bench's server child with `--import` when CONVENE_BENCH_PROFILE_DIR is set, so a
// bench can profile one phase of a server in its own process: SIGUSR2 starts a CPU profile and the
// next SIGUSR2 writes it (`<phase>.cpuprofile`, Chrome DevTools' format); SIGTTIN writes a heap
// snapshot. Nothing here is loaded by `convene serve` itself.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

const dir = process.env.CONVENE_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let profiles = 0;
  let snapshots = 0;
  let running = false;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!running) {
        running = true;
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
        return;
      }
      running = false;
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `profile-${++profiles}.cpuprofile`), JSON.stringify(profile));
    })();
  });
  process.on('SIGTTIN', () => { writeHeapSnapshot(join(dir, `heap-${++snapshots}.heapsnapshot`)); });
}
