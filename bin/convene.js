#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(code => {
  // `serve` keeps running; every other command ends here. A serve that failed to start has closed
  // what it opened; exiting explicitly makes sure nothing left over keeps the process alive.
  if (process.argv[2] === 'serve' && code !== 0) process.exit(code);
  if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
}, err => {
  console.error('convene: unexpected error:', err);
  process.exitCode = 1;
});
