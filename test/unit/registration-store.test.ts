/**
 * Registrations, links and customers on SQLite and on PostgreSQL: each sign-up its own
 * registration, the address's link limits over all its sign-ups, passwords tried on a link, the
 * first sign-up confirmed winning, and a lapsed registration leaving nothing personal in any row
 * (read from the database directly).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PASSWORD_TRIES, type RegistrationView } from '../../domain/registration';
import { databaseFor, openRegistrationStore, type RegistrationStore } from '../../store';
import { newLinkToken, RegistrationRace, tokenHash } from '../../store/registration-store';
import { BACKENDS } from '../helpers/databases';

const NOW = '2026-11-28T10:00:00.000Z';
const LATER = '2026-11-29T10:00:00.000Z';
const T0 = Date.parse(NOW);
const plus = (ms: number): string => new Date(T0 + ms).toISOString();
const SECOND = 1_000;
const MINUTE = 60_000;

/** Runs `text` on the database itself, as an operator (or a thief) would read it. */
async function raw(url: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const db = databaseFor({ dataDir: '', databaseUrl: url });
  if (db.kind === 'sqlite') {
    const sqlite = new Database(db.file);
    try {
      const statement = sqlite.prepare(text);
      return statement.reader
        ? (statement.all(...values) as Record<string, unknown>[])
        : (statement.run(...values), []);
    } finally {
      sqlite.close();
    }
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    let n = 0;
    return (
      await client.query(
        text.replace(/\?/g, () => `$${++n}`),
        values,
      )
    ).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** Every row of the registration tables, as text: what a dump of them would hold. */
async function dump(url: string): Promise<string> {
  const tables = [
    'registrations',
    'registration_links',
    'registration_password_tries',
    'registration_link_sends',
  ];
  const all = await Promise.all(tables.map((t) => raw(url, `SELECT * FROM ${t}`)));
  return JSON.stringify(all);
}

for (const backend of BACKENDS) {
  describe(`registration store on ${backend.name}`, () => {
    const fresh = async (): Promise<{ store: RegistrationStore; url: string }> => {
      const url = await backend.freshDatabaseUrl();
      return { store: openRegistrationStore({ dataDir: '', databaseUrl: url }), url };
    };
    const open = (store: RegistrationStore, id: string, email = 'Ada@Example.com', name = 'Ada') =>
      store.openRegistration({ registrationId: id, email, name, passwordHash: `hash-${id}`, createdAt: NOW });
    const link = async (store: RegistrationStore, id: string, linkNumber = 1): Promise<string> => {
      const hash = tokenHash(newLinkToken());
      await store.saveLink({
        tokenHash: hash,
        registrationId: id,
        linkNumber,
        expiresAt: LATER,
        createdAt: NOW,
      });
      return hash;
    };

    it('each sign-up is its own registration: a second one for a pending address changes nothing of the first', async () => {
      const { store, url } = await fresh();
      assert.equal((await open(store, 'reg_1')).kind, 'opened');
      const again = await open(store, 'reg_2', ' ada@example.COM', 'Mallory');
      assert.equal(again.kind, 'opened');
      assert.equal(again.kind === 'opened' && again.registration.registrationId, 'reg_2');
      assert.deepEqual(
        await raw(url, 'SELECT name, password_hash, status FROM registrations WHERE registration_id = ?', [
          'reg_1',
        ]),
        [{ name: 'Ada', password_hash: 'hash-reg_1', status: 'PendingConfirmation' }],
        "the first sign-up's name and hash as they were",
      );
      assert.deepEqual(
        (await store.registrationsFor('ADA@example.com')).map((r) => r.registrationId).sort(),
        ['reg_1', 'reg_2'],
      );
      await store.close();
    });

    it("sends links to an address at most once a minute and four times an hour, counting every sign-up's; a retry of one link is granted again", async () => {
      const { store, url } = await fresh();
      await open(store, 'reg_1');
      await open(store, 'reg_2', 'ada@example.com', 'Mallory');
      await open(store, 'reg_3', 'grace@example.com', 'Grace');
      const claim = (id: string, linkNumber: number, ms: number) =>
        store.claimLink({ registrationId: id, linkNumber, at: plus(ms) });
      assert.deepEqual(await claim('reg_1', 1, 0), { granted: true });
      assert.deepEqual(await claim('reg_2', 1, 30 * SECOND), {
        granted: false,
        reason: 'too_soon',
        retryAfterMs: 30 * SECOND,
      });
      assert.deepEqual(
        await claim('reg_1', 1, 40 * SECOND),
        { granted: true },
        'the same link again (a retry)',
      );
      assert.deepEqual(
        await claim('reg_3', 1, 40 * SECOND),
        { granted: true },
        'another address is not limited',
      );
      assert.deepEqual(await claim('reg_2', 1, 61 * SECOND), { granted: true });
      assert.deepEqual(await claim('reg_2', 2, 2 * MINUTE + 2 * SECOND), { granted: true });
      assert.deepEqual(await claim('reg_1', 2, 4 * MINUTE), { granted: true });
      const fifth = await claim('reg_2', 3, 6 * MINUTE);
      assert.equal(fifth.granted === false && fifth.reason, 'hourly_limit');
      assert.deepEqual(await store.linkTimesFor('reg_2', plus(6 * MINUTE)), [
        plus(0),
        plus(61 * SECOND),
        plus(2 * MINUTE + 2 * SECOND),
        plus(4 * MINUTE),
      ]);
      // A link saved without a claim (a process started before claims) counts all the same.
      await store.saveLink({
        tokenHash: tokenHash(newLinkToken()),
        registrationId: 'reg_3',
        linkNumber: 2,
        expiresAt: LATER,
        createdAt: plus(50 * SECOND),
      });
      assert.equal((await claim('reg_3', 3, 70 * SECOND)).granted, false);

      const sends = JSON.stringify(await raw(url, 'SELECT * FROM registration_link_sends'));
      assert.ok(
        sends.includes('reg_3#2') && !/ada|grace/i.test(sends),
        `the addresses are keyed hashes: ${sends}`,
      );
      // An hour after an address's last link, its row (the keyed hash, the times) is gone.
      await open(store, 'reg_4', 'hopper@example.com', 'Grace H.');
      assert.deepEqual(await claim('reg_4', 1, 4 * MINUTE + 61 * MINUTE), { granted: true });
      assert.equal(
        (await raw(url, 'SELECT * FROM registration_link_sends')).length,
        1,
        'only the newest address is kept',
      );
      assert.deepEqual(await store.linkTimesFor('reg_1', plus(4 * MINUTE + 61 * MINUTE)), []);
      await store.close();
    });

    it('confirms with the link of its own registration; the first sign-up of an address confirmed wins, and names the others', async () => {
      const { store } = await fresh();
      await open(store, 'reg_1', 'Ada@Example.com', 'Mallory'); // a stranger, first
      await open(store, 'reg_2', 'ada@example.com', 'Ada'); // the owner
      const [strangers, owners] = [await link(store, 'reg_1'), await link(store, 'reg_2')];
      assert.deepEqual(await store.findLink(owners), {
        registrationId: 'reg_2',
        linkNumber: 1,
        expiresAt: LATER,
      });
      assert.equal(await store.findLink(tokenHash('never made')), undefined);
      await assert.rejects(
        store.confirmRegistration({
          registrationId: 'reg_1',
          tokenHash: owners,
          customerId: 'cus_1',
          at: LATER,
        }),
        /not one of registration reg_1/,
        "one registration's link never confirms another",
      );

      const input = { registrationId: 'reg_2', tokenHash: owners, customerId: 'cus_2', at: LATER };
      const confirmed = await store.confirmRegistration(input);
      assert.equal(confirmed.confirmed, 'now');
      assert.equal(confirmed.customer.name, 'Ada');
      assert.deepEqual(confirmed.others, ['reg_1']);
      assert.equal(await store.passwordHashOf('ADA@example.com'), 'hash-reg_2', "the owner's password");
      const retry = await store.confirmRegistration(input);
      assert.deepEqual([retry.confirmed, retry.others], ['before', ['reg_1']], 'a retry writes nothing new');
      await assert.rejects(
        store.confirmRegistration({
          registrationId: 'reg_1',
          tokenHash: strangers,
          customerId: 'cus_1',
          at: LATER,
        }),
        /already belongs to a customer/,
      );
      assert.equal((await store.getRegistration('reg_2'))?.status, 'Confirmed');
      assert.deepEqual(await open(store, 'reg_3'), { kind: 'customer' });
      assert.equal(await store.passwordHashOf('ada@example.com'), 'hash-reg_2');
      await store.close();
    });

    it(`counts the passwords tried on a registration's links, right or wrong: ${PASSWORD_TRIES}, then closed`, async () => {
      const { store } = await fresh();
      await open(store, 'reg_1');
      const [first, second] = [await link(store, 'reg_1', 1), await link(store, 'reg_1', 2)];
      for (let n = 1; n <= PASSWORD_TRIES; n++) {
        const tried = await store.tryPassword(n % 2 ? first : second);
        assert.deepEqual(tried, {
          kind: 'check',
          registrationId: 'reg_1',
          passwordHash: 'hash-reg_1',
          lastTry: n === PASSWORD_TRIES,
          triesLeftAfter: PASSWORD_TRIES - n,
        });
      }
      assert.deepEqual(await store.tryPassword(first), { kind: 'closed', registrationId: 'reg_1' });
      assert.deepEqual(await store.tryPassword(tokenHash('never made')), { kind: 'unknown' });
      await store.close();
    });

    it('lapses a pending registration: nothing written, and nothing personal left in any row (address, name, hash, links, tries, timeline)', async () => {
      const { store, url } = await fresh();
      await open(store, 'reg_1', 'Ada@Example.com', 'Ada Lovelace');
      const hash = await link(store, 'reg_1');
      await store.tryPassword(hash);
      const view: RegistrationView = {
        registrationId: 'reg_1',
        email: 'Ada@Example.com',
        name: 'Ada Lovelace',
        status: 'PendingConfirmation',
        createdAt: NOW,
        updatedAt: NOW,
        linksSent: 1,
        linkSentAt: [NOW],
        confirmBy: LATER,
        timeline: [{ at: NOW, kind: 'link', detail: 'Confirmation link 1 sent', actor: 'support:sam' }],
      };
      await store.recordRegistrationView('reg_1', 1, view);
      assert.ok((await dump(url)).includes('Ada Lovelace'), 'the dump is read');

      assert.deepEqual(await store.lapseRegistration('reg_1', LATER, 'not_confirmed_in_time'), {
        lapsed: true,
      });
      assert.deepEqual(await store.lapseRegistration('reg_1', LATER), { lapsed: false });
      // The process's last records arrive after: they keep the tombstone only.
      await store.recordRegistrationView('reg_1', 2, { ...view, status: 'Lapsed', lapsedAt: LATER });

      const [row] = await raw(url, 'SELECT * FROM registrations WHERE registration_id = ?', ['reg_1']);
      assert.equal(row!.status, 'Lapsed');
      assert.deepEqual([row!.email, row!.email_key, row!.name, row!.password_hash], ['', '', '', null]);
      assert.deepEqual(JSON.parse(String(row!.view_json)), {
        registrationId: 'reg_1',
        status: 'Lapsed',
        createdAt: NOW,
        updatedAt: LATER,
        linksSent: 1,
        linkSentAt: [NOW],
        confirmBy: LATER,
        lapsedAt: LATER,
        lapseReason: 'not_confirmed_in_time',
      });
      assert.deepEqual(await raw(url, 'SELECT * FROM registration_links'), []);
      assert.deepEqual(await raw(url, 'SELECT * FROM registration_password_tries'), []);
      const everything = await dump(url);
      for (const personal of ['Ada', 'ada@example.com', 'hash-reg_1', 'support:sam', 'Confirmation link']) {
        assert.ok(
          !everything.toLowerCase().includes(personal.toLowerCase()),
          `${personal} is kept: ${everything}`,
        );
      }
      // Nor in the files themselves: SQLite's free pages and its write-ahead log held the rows as
      // they were until the store zeroed what it deleted and emptied the log.
      if (url.startsWith('sqlite:')) {
        const file = url.slice('sqlite:'.length);
        for (const part of [file, `${file}-wal`]) {
          if (!fs.existsSync(part)) continue;
          const bytes = fs.readFileSync(part).toString('latin1');
          for (const personal of [
            'Ada Lovelace',
            'Ada@Example.com',
            'hash-reg_1',
            'Confirmation link 1 sent',
          ]) {
            assert.ok(!bytes.includes(personal), `${personal} is still in ${path.basename(part)}`);
          }
        }
      }

      await assert.rejects(
        store.confirmRegistration({
          registrationId: 'reg_1',
          tokenHash: hash,
          customerId: 'cus_1',
          at: LATER,
        }),
        /Lapsed/,
      );
      assert.equal(await store.passwordHashOf('ada@example.com'), undefined);
      assert.equal((await store.getRegistration('reg_1'))?.view?.lapseReason, 'not_confirmed_in_time');
      assert.deepEqual(
        await store.registrationsFor('ada@example.com'),
        [],
        'a lapsed registration is found by no address',
      );
      assert.equal((await open(store, 'reg_2')).kind, 'opened', 'the address is free');
      await store.close();
    });

    it('erases, when it opens, what registrations lapsed before erasure existed still hold', async () => {
      const { store, url } = await fresh();
      await open(store, 'reg_old', 'Ada@Example.com', 'Ada Lovelace');
      await link(store, 'reg_old');
      await store.recordRegistrationView('reg_old', 1, {
        registrationId: 'reg_old',
        email: 'Ada@Example.com',
        name: 'Ada Lovelace',
        status: 'PendingConfirmation',
        createdAt: NOW,
        updatedAt: NOW,
        linksSent: 1,
        linkSentAt: [NOW],
        confirmBy: LATER,
      });
      await store.close();
      // What the store before erasure left of a lapsed registration: everything but the hash.
      await raw(
        url,
        "UPDATE registrations SET status = 'Lapsed', password_hash = NULL WHERE registration_id = ?",
        ['reg_old'],
      );
      const reopened = openRegistrationStore({ dataDir: '', databaseUrl: url });
      assert.equal((await reopened.getRegistration('reg_old'))?.status, 'Lapsed');
      const [row] = await raw(url, 'SELECT email, email_key, name, view_json FROM registrations');
      assert.deepEqual(row, { email: '', email_key: '', name: '', view_json: null });
      assert.deepEqual(await raw(url, 'SELECT * FROM registration_links'), []);
      await reopened.close();
    });

    it('confirms one sign-up of an address when two are confirmed at once; a unique index refusing a write is a lost race on PostgreSQL only', async () => {
      const { store } = await fresh();
      await open(store, 'reg_1');
      await open(store, 'reg_2');
      const [first, second] = [await link(store, 'reg_1'), await link(store, 'reg_2')];
      const confirm = (registrationId: string, hash: string) =>
        store.confirmRegistration({
          registrationId,
          tokenHash: hash,
          customerId: `cus_${registrationId}`,
          at: LATER,
        });
      const both = await Promise.allSettled([confirm('reg_1', first), confirm('reg_2', second)]);
      const won = both.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, JSON.stringify(both));
      const lost = both.find((r) => r.status === 'rejected')!.reason as Error;
      // PostgreSQL's transactions overlap: the loser either finds the customer or meets the unique index.
      assert.ok(
        lost instanceof RegistrationRace || /already belongs to a customer/.test(lost.message),
        String(lost),
      );

      // The same registration opened twice: the primary key refuses the second write.
      const postgres = backend.name === 'PostgreSQL';
      await open(store, 'reg_3', 'grace@example.com');
      await assert.rejects(open(store, 'reg_3', 'grace@example.com'), (err: Error) => {
        assert.equal(err instanceof RegistrationRace, postgres, String(err));
        return true;
      });
      await store.close();
    });

    it('keeps the newest recorded view, whatever order the records arrive in', async () => {
      const { store } = await fresh();
      await open(store, 'reg_1');
      const view = (linksSent: number) => ({
        registrationId: 'reg_1',
        email: 'Ada@Example.com',
        name: 'Ada',
        status: 'PendingConfirmation' as const,
        createdAt: NOW,
        updatedAt: NOW,
        linksSent,
        linkSentAt: [],
        confirmBy: LATER,
      });
      await store.recordRegistrationView('reg_1', 2, view(2));
      await store.recordRegistrationView('reg_1', 1, view(1));
      assert.equal((await store.getRegistration('reg_1'))?.view?.linksSent, 2);
      await store.close();
    });

    it('makes each key once, for every store on the database', async () => {
      const { store, url } = await fresh();
      const other = openRegistrationStore({ dataDir: '', databaseUrl: url });
      // At once: two stores on one SQLite file in one process take turns (the port's queue per
      // file), where each with its own queue stalled 5 s in the busy handler and failed, locked.
      const started = Date.now();
      const [a, b] = await Promise.all([
        store.keyFor('confirmation-form'),
        other.keyFor('confirmation-form'),
      ]);
      assert.ok(Date.now() - started < 2_000, `${Date.now() - started} ms`);
      assert.equal(a.length, 32);
      assert.deepEqual(a, b);
      assert.notDeepEqual(await store.keyFor('address'), a);
      await store.close();
      await other.close();
    });
  });
}
