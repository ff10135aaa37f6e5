/**
 * `npm run bench:outage`: the outage scenario alone (experiments/outage.ts), on the dev server and
 * on Temporal's server with PostgreSQL (BENCH_POSTGRES=0 skips it), at BENCH_OUTAGE_ORDERS (2,000).
 * Its figures join the last full run's results: bench/results/<BENCH_NAME>.{json,md} are written
 * again from that run's JSON with this section in place (the other tables keep their run's date,
 * this one says its own). `npm run bench` runs the same scenario after its other steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { outage } from './experiments/outage';
import { goals, markdownReport, type BenchResults } from './report';
import { NAME, ON_POSTGRES, RESULTS, say } from './settings';

async function main(): Promise<void> {
  const file = path.join(RESULTS, `${NAME}.json`);
  const runs = [await outage('file'), ...(ON_POSTGRES ? [await outage('postgres')] : [])];
  const earlier = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults)
    : undefined;
  if (!earlier) {
    console.log(JSON.stringify(runs, null, 2));
    say(`no ${file} to join: the figures are printed only (npm run bench writes a full set)`);
    return;
  }
  const results: BenchResults = {
    ...earlier,
    outage: runs.map((r) => ({ ...r, at: new Date().toISOString() })),
  };
  delete (results as { goals?: unknown }).goals;
  fs.writeFileSync(file, `${JSON.stringify({ ...results, goals: goals(results) }, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS, `${NAME}.md`), markdownReport(results));
  say(`the outage section joined ${path.relative(process.cwd(), file)} and its .md`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
