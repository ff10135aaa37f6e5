/**
 * A pooled PostgreSQL connection that breaks while idle (the server restarted, a failover) makes
 * node-postgres emit `error` on the pool; unheard, that event ends the process. The pool has
 * already dropped the broken connection and opens a new one for the next query, so the error is
 * only worth a line in the log: the queries in flight fail (and are retried by their callers).
 */
import type pg from 'pg';

export function keepIdleErrors(pool: pg.Pool): void {
  pool.on('error', (err) => {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'WARN', component: 'store', message: 'an idle database connection broke; the pool replaces it', error: err.message })}\n`,
    );
  });
}
