/**
 * The code reads as a story: each workflow a short main function calling well-named stages, and no
 * function in workflows/, api/, store/ or identity-provider/ longer than MAX_LINES of its own
 * (a function nested in it, such as a route handler in a router's factory, is measured on its own)
 * unless a comment beside it says why (`// long because: …` on the line above); no source file in
 * those folders or activities/ over MAX_FILE_LINES. Measured with the TypeScript compiler's parser.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = path.resolve(__dirname, '..', '..');
const MAX_LINES = 60;
const MAX_FILE_LINES = 400;
const MEASURED = ['workflows', 'api', 'store', 'identity-provider'];
const SIZED = [...MEASURED, 'activities'];

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
  const lineOf = (pos: number): number => source.getLineAndCharacterOfPosition(pos).line;
  const span = (node: ts.Node): number => lineOf(node.getEnd()) - lineOf(node.getStart()) + 1;
  const isFunction = (node: ts.Node): boolean => ts.isFunctionLike(node) && 'body' in node && !!node.body;
  /** The lines of the functions nested directly inside `node` (not inside those). */
  const nestedLines = (node: ts.Node): number => {
    let lines = 0;
    const walk = (child: ts.Node): void => {
      if (isFunction(child)) lines += span(child);
      else ts.forEachChild(child, walk);
    };
    ts.forEachChild(node, walk);
    return lines;
  };
  const visit = (node: ts.Node): void => {
    if (isFunction(node)) {
      const fn = node as ts.FunctionLikeDeclaration;
      const name = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : '(anonymous)';
      const before = text.slice(0, node.getStart());
      const reason = /\/\/ long because: .+\n\s*[^\n]*$/.test(before.slice(-400));
      const where = `${file}:${lineOf(node.getStart()) + 1} ${name}`;
      found.push({ where, lines: span(node) - nestedLines(fn.body!), reason });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('code as a story', () => {
  const all = MEASURED.flatMap(files).flatMap(functionsOf);

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
    assert.ok(all.length > 200, `${all.length} functions measured`);
    assert.ok(all.some((f) => f.lines > 30));
    for (const dir of MEASURED)
      assert.ok(
        all.some((f) => f.where.startsWith(`${dir}/`)),
        dir,
      );
  });

  it(`keeps every source file under ${MAX_FILE_LINES} lines`, () => {
    const sized = SIZED.flatMap(files).map((file) => ({
      file,
      lines: fs.readFileSync(path.join(root, file), 'utf8').split('\n').length,
    }));
    assert.ok(sized.length > 80, `${sized.length} files sized`);
    assert.deepEqual(
      sized.filter((f) => f.lines > MAX_FILE_LINES).map((f) => `${f.file}: ${f.lines} lines`),
      [],
    );
  });
});
