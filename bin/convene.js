#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(code => {
  // `serve` keeps running; every other command ends here.
  if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
}, err => {
  console.error('convene: unexpected error:', err);
  process.exitCode = 1;
});
