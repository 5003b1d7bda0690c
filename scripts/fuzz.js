#!/usr/bin/env node
// The long fuzz run (`npm run fuzz`, docs/reliability.md "Fuzzing"): every property of
// dist/test/fuzz with FUZZ_RUNS cases (default 1000; HTTP properties run a fraction, see
// test/fuzz/fuzz.ts) from FUZZ_SEED (default: a new one, printed). A failure prints its seed, shrink
// path and counterexample; FUZZ_SEED=<seed> FUZZ_PATH=<path> npm run fuzz replays exactly that case.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const runs = process.env.FUZZ_RUNS || '1000';
const seed = process.env.FUZZ_SEED || String(Date.now() % 2 ** 31);
const filters = process.argv.slice(2);
const dir = 'dist/test/fuzz';
const files = readdirSync(dir).filter(f => f.endsWith('.test.js') && (!filters.length || filters.some(x => f.includes(x)))).map(f => join(dir, f));
console.log(`fuzz: FUZZ_RUNS=${runs} FUZZ_SEED=${seed}${process.env.FUZZ_PATH ? ` FUZZ_PATH=${process.env.FUZZ_PATH}` : ''} (${files.length} files)`);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit', env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed },
});
console.log(`fuzz: done, FUZZ_RUNS=${runs} FUZZ_SEED=${seed}, exit ${result.status}`);
process.exit(result.status ?? 1);
