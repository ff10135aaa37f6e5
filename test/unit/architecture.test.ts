/**
 * The layout's rules, read from the code's own imports: each business process keeps to its rooms
 * (a process never imports another), and the shared infrastructure imports no process. Composition
 * roots (worker.ts, api/app.ts, the route table, workflows/index.ts) may import every process.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '..', '..');

/** Each process's rooms: folders (ending in /) and single files. */
const PROCESSES: Record<string, string[]> = {
  checkout: [
    'workflows/checkout/',
    'activities/checkout/',
    'api/checkout/',
    'domain/checkout.ts',
    'domain/acceptance.ts',
    'domain/keys.ts',
    'domain/work-queues.ts',
    'store/order-store.ts',
    'store/sql-order-store.ts',
    'domain/bulk-actions.ts',
    'store/bulk-action-store.ts',
    'domain/customer-orders.ts',
  ],
  leave: [
    'workflows/leave/',
    'activities/leave/',
    'api/leave/',
    'domain/leave.ts',
    'store/leave-store.ts',
    'store/sql-leave-store.ts',
    'store/ledger.ts',
    'store/leave-rows.ts',
  ],
  registration: [
    'workflows/registration/',
    'activities/registration/',
    'api/registration/',
    'domain/registration.ts',
    'store/registration-store.ts',
    'store/registration-types.ts',
    'store/registration-schema.ts',
    'store/registration-rows.ts',
    'store/sql-registrations.ts',
    'store/sql-registration-links.ts',
    'store/sql-customers.ts',
    // A customer's account: forgotten passwords, sign-in, who they are.
    'workflows/password-reset/',
    'activities/password-reset/',
    'api/password-resets/',
    'api/customers/',
    'domain/password-reset.ts',
    'domain/sign-in-throttle.ts',
    'store/sql-password-resets.ts',
    'store/sql-customer-identity.ts',
    'store/customer-account-types.ts',
    'identity-provider/customers.ts',
  ],
};

/** Shared infrastructure: used by every process, knowing none. */
const SHARED = [
  'infrastructure/',
  'observability/',
  'workflows/tracing.ts',
  'workflows/business-metrics.ts',
  'activities/adapters/',
  'workflows/process-context.ts',
  'api/contract/shared.ts',
  'api/auth.ts',
  'api/codec.ts',
  'api/customer-caller.ts',
  'api/errors.ts',
  'api/html.ts',
  'api/metrics.ts',
  'api/reads.ts',
  'api/schemas.ts',
  'api/session.ts',
  'api/tokens.ts',
  'api/updates.ts',
  'workflows/refusal.ts',
  'workflows/retry-policies.ts',
  'api/mount.ts',
  'api/pages.ts',
  'api/sealed.ts',
  'store/sql.ts',
];

const inside = (file: string, rooms: string[]): boolean =>
  rooms.some((room) => (room.endsWith('/') ? file.startsWith(room) : file === room));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The repository files `file` imports (relative imports, resolved as TypeScript resolves them). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!));
    const candidates = [`${base}.ts`, `${base}/index.ts`, base];
    const hit = candidates.find(
      (c) => fs.existsSync(path.join(root, c)) && fs.statSync(path.join(root, c)).isFile(),
    );
    if (hit) found.push(hit);
  }
  return found;
}

const FILES = [
  'workflows',
  'activities',
  'api',
  'domain',
  'store',
  'infrastructure',
  'observability',
  'config',
  'identity-provider',
].flatMap(sourceFiles);

/** Every cycle in an import graph (file → the files it imports). */
function importCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

function processOf(file: string): string | undefined {
  return Object.keys(PROCESSES).find((name) => inside(file, PROCESSES[name]!));
}

describe('the layout', () => {
  it('finds each room it names (a renamed folder must be renamed here too)', () => {
    for (const room of [...Object.values(PROCESSES).flat(), ...SHARED]) {
      assert.ok(
        FILES.some((file) => (room.endsWith('/') ? file.startsWith(room) : file === room)),
        `${room} holds no source file`,
      );
    }
  });

  it('has no import from one business process into another', () => {
    const crossings = FILES.flatMap((file) => {
      const from = processOf(file);
      if (!from) return [];
      return importsOf(file)
        .filter((target) => {
          const to = processOf(target);
          return to !== undefined && to !== from;
        })
        .map((target) => `${file} (${from}) → ${target} (${processOf(target)})`);
    });
    assert.deepEqual(crossings, []);
  });

  it('has no import from shared infrastructure into a process', () => {
    const arrows = FILES.filter((file) => inside(file, SHARED)).flatMap((file) =>
      importsOf(file)
        .filter((target) => processOf(target) !== undefined)
        .map((target) => `${file} → ${target} (${processOf(target)})`),
    );
    assert.deepEqual(arrows, []);
  });

  it('has no import cycle, not even of types', () => {
    assert.deepEqual(
      // Type imports count: a cycle of types is a knot too.
      importCycles(new Map([...FILES, 'worker.ts'].map((file) => [file, importsOf(file)]))).map((cycle) =>
        cycle.join(' → '),
      ),
      [],
    );
  });

  it('finds a cycle where there is one (the check can fail)', () => {
    const knot = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
    ]);
    assert.deepEqual(importCycles(knot), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    assert.deepEqual(
      importCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
      [],
    );
  });

  it('keeps the benchmark and the scripts off test helpers and the API internals', () => {
    const arrows = ['bench', 'scripts'].flatMap(sourceFiles).flatMap((file) =>
      importsOf(file)
        .filter(
          (target) =>
            target.startsWith('test/') || /^api\/(checkout|leave|registration)\/routes/.test(target),
        )
        .map((target) => `${file} → ${target}`),
    );
    assert.deepEqual(arrows, []);
  });

  it('gives every process the same rooms, named alike in every layer', () => {
    for (const name of Object.keys(PROCESSES)) {
      for (const file of ['messages.ts', 'workflow.ts', 'context.ts', 'inbox.ts'])
        assert.ok(fs.existsSync(path.join(root, 'workflows', name, file)), `workflows/${name}/${file}`);
      assert.ok(
        fs.existsSync(path.join(root, 'activities', name, 'index.ts')),
        `activities/${name}/index.ts`,
      );
      for (const file of ['routes.ts', 'contract.ts'])
        assert.ok(fs.existsSync(path.join(root, 'api', name, file)), `api/${name}/${file}`);
      assert.ok(fs.existsSync(path.join(root, 'domain', `${name}.ts`)), `domain/${name}.ts`);
    }
  });
});
