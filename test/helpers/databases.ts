/**
 * The databases the store suites run against: SQLite (a fresh file) and PostgreSQL (a fresh
 * database on the server `npm test` starts, TEST_DATABASE_URL). Without that variable the
 * PostgreSQL suite fails rather than skips: run it through `npm test`. `npm run test:unit` (the
 * quick loop, no servers) asks for SQLite alone with TEST_BACKENDS=sqlite, and says so.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface Backend {
  name: string;
  /** A DATABASE_URL naming a new, empty database. */
  freshDatabaseUrl(): Promise<string>;
}

const ALL_BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    async freshDatabaseUrl() {
      return `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'store-')), 'app.db')}`;
    },
  },
  {
    name: 'PostgreSQL',
    async freshDatabaseUrl() {
      const admin = process.env.TEST_DATABASE_URL;
      if (!admin)
        throw new Error(
          'TEST_DATABASE_URL is not set: run the store tests through `npm test`, which starts PostgreSQL',
        );
      const name = `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const url = new URL(admin);
      url.pathname = `/${name}`;
      return url.toString();
    },
  },
];

/** The backends this run asks for: every one, unless TEST_BACKENDS names some (`sqlite`). */
export const BACKENDS: Backend[] = process.env.TEST_BACKENDS
  ? ALL_BACKENDS.filter((b) =>
      process.env.TEST_BACKENDS!.toLowerCase().split(',').includes(b.name.toLowerCase()),
    )
  : ALL_BACKENDS;
