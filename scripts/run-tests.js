#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node:test; extra arguments
// narrow the run to files whose path contains one of them (`npm test -- wbxml`). The PostgreSQL
// suites use CONVENE_TEST_PG, or an embedded server started for this run (test-postgres.js).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { withTestPostgres } from './test-postgres.js';

function find(dir) {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return path.endsWith('.test.js') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = find('dist/test').filter(f => !filters.length || filters.some(x => f.includes(x))).sort();
let child;
let exited;
const status = await withTestPostgres(url => {
  child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], {
    stdio: 'inherit', env: { ...process.env, CONVENE_TEST_PG: url },
  });
  exited = new Promise(resolve => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
  return exited;
}, { onSignal: signal => { child?.kill(signal); return exited; } });
process.exit(status);
