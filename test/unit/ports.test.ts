/**
 * The ports the scripts and tests pick for servers they start a moment later. They come from below
 * Linux's ephemeral range, so an outgoing connection made in between (to the database, to Temporal)
 * cannot take one: a CI run once failed with the API's port taken that way.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { freePort, isPortFree } from '../../scripts/net';

const [ephemeralFrom] = fs
  .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
  .trim()
  .split(/\s+/)
  .map(Number);

describe('free ports for servers started later', () => {
  it('are below the ephemeral range, and can be listened on', async () => {
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      assert.ok(port >= 1024 && port < ephemeralFrom!, `${port} is below ${ephemeralFrom}`);
      assert.ok(await isPortFree(port), `${port} is free`);
    }
  });
});
