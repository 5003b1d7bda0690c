// `npm run bench`: runs every *.bench.js under dist/bench, each printing its own ratios.
import { readdirSync, statSync } from 'node:fs';
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

for (const file of find(here).sort()) {
  if (filter.length && !filter.some(f => file.includes(f))) continue;
  const mod = (await import(pathToFileURL(file).href)) as { default: () => Promise<void> };
  console.log(`\n## ${file.slice(here.length)}`);
  await mod.default();
}
