/**
 * The HS256 secret for API tokens: AUTH_JWT_SECRET when set; otherwise a development secret made
 * once and kept in the data folder, so `npm start` works out of the box and `npm run token` signs
 * tokens the local API accepts. A production deployment sets AUTH_JWT_SECRET.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from './settings';

export function resolveJwtSecret(config: Pick<AppConfig, 'auth' | 'dataDir'>): {
  secret: string;
  source: string;
} {
  if (config.auth.jwtSecret) {
    if (config.auth.jwtSecret.length < 32) {
      throw new Error('configuration AUTH_JWT_SECRET: use at least 32 characters for an HS256 secret');
    }
    return { secret: config.auth.jwtSecret, source: 'AUTH_JWT_SECRET' };
  }
  const file = path.join(config.dataDir, 'dev-jwt-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return { secret: fs.readFileSync(file, 'utf8').trim(), source: `development secret in ${file}` };
}
