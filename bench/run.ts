// `npm run bench`: runs every *.bench.js under dist/bench, each printing its own ratios. The
// PostgreSQL rounds use CONVENE_TEST_PG, or an embedded server started for the run, as `npm test`.
// A bench that returns figures has them written to bench/results.json under its file's name
// (merged with the figures of benches this run did not run).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv.slice(2);

function find(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return path.endsWith('.bench.js') ? [path] : [];
  });
}

type WithTestPostgres = (work: (url: string) => Promise<void>) => Promise<void>;
const { withTestPostgres } = (await import(new URL('../../scripts/test-postgres.js', import.meta.url).href)) as { withTestPostgres: WithTestPostgres };

const resultsFile = fileURLToPath(new URL('../../bench/results.json', import.meta.url));
const results = (existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {}) as Record<string, unknown>;

await withTestPostgres(async url => {
  process.env.CONVENE_TEST_PG = url;
  for (const file of find(here).sort()) {
    // Matched below dist/bench only: a checkout path may hold the filter word too.
    if (filter.length && !filter.some(f => file.slice(here.length).includes(f))) continue;
    const mod = (await import(pathToFileURL(file).href)) as { default: () => Promise<unknown> };
    const name = file.slice(here.length);
    console.log(`\n## ${name}`);
    const figures = await mod.default();
    if (figures && typeof figures === 'object') {
      results[name.replace(/\.bench\.js$/, '')] = { ...figures, at: new Date().toISOString() };
      writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    }
  }
});
