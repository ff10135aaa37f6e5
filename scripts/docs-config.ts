/**
 * `npm run docs:config`: writes the configuration table in docs/configuration.md from the schema in
 * config/environment.ts (between the two markers), so the documentation says what the code reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configurationTable } from '../config/environment';

export const DOC = path.resolve(__dirname, '..', 'docs', 'configuration.md');
export const BEGIN =
  '<!-- configuration table: written by npm run docs:config from config/environment.ts -->';
export const END = '<!-- end of the configuration table -->';

/** The document with its table written anew. */
export function withTable(doc: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC} has no table markers`);
  return `${doc.slice(0, start + BEGIN.length)}\n\n${configurationTable()}\n\n${doc.slice(end)}`;
}

if (require.main === module) {
  fs.writeFileSync(DOC, withTable(fs.readFileSync(DOC, 'utf8')));
  console.log(`[docs:config] ${path.relative(process.cwd(), DOC)} written`);
}
