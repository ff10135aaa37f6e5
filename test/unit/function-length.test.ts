/**
 * The workflows read as the business story: each one a short main function calling well-named
 * stages, and no function in workflows/ longer than MAX_LINES unless a comment beside it says why
 * (`// long because: …` on the line above). Measured with the TypeScript compiler's own parser.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = path.resolve(__dirname, '..', '..');
const MAX_LINES = 60;

function files(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return files(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

interface Measured {
  where: string;
  lines: number;
  reason: boolean;
}

function functionsOf(file: string): Measured[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Measured[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
      const before = text.slice(0, node.getFullStart() + (node.getStart() - node.getFullStart()));
      const reason = /\/\/ long because: .+\n\s*[^\n]*$/.test(before.slice(-400));
      found.push({ where: `${file}:${start + 1} ${name}`, lines: end - start + 1, reason });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('workflow code as a story', () => {
  const all = files('workflows').flatMap(functionsOf);

  it(`has no function over ${MAX_LINES} lines without a reason beside it`, () => {
    const long = all
      .filter((f) => f.lines > MAX_LINES && !f.reason)
      .map((f) => `${f.where}: ${f.lines} lines`);
    assert.deepEqual(long, []);
  });

  it('keeps each process main function short: the story, its stages named', () => {
    for (const main of ['checkoutWorkflow', 'leaveRequestWorkflow']) {
      const found = all.find((f) => f.where.endsWith(` ${main}`));
      assert.ok(found, `${main} not found`);
      assert.ok(found.lines <= 45, `${main}: ${found.lines} lines`);
    }
  });

  it('measures what it claims (a long function is seen)', () => {
    assert.ok(all.length > 40, `${all.length} functions measured`);
    assert.ok(all.some((f) => f.lines > 20));
  });
});
