/** Registrations, links and customers on SQLite and on PostgreSQL: one pending registration per address, link-bound credentials, erasure. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openRegistrationStore } from '../../store';
import { newLinkToken, tokenHash } from '../../store/registration-store';
import { BACKENDS } from '../helpers/databases';

const NOW = '2026-11-28T10:00:00.000Z';
const LATER = '2026-11-29T10:00:00.000Z';

for (const backend of BACKENDS) {
  describe(`registration store on ${backend.name}`, () => {
    const fresh = async () =>
      openRegistrationStore({ dataDir: '', databaseUrl: await backend.freshDatabaseUrl() });
    const open = (store: Awaited<ReturnType<typeof fresh>>, id: string, email = 'Ada@Example.com') =>
      store.openRegistration({
        registrationId: id,
        email,
        name: 'Ada',
        passwordHash: `hash-${id}`,
        createdAt: NOW,
      });

    it('opens one pending registration per address; the same address in another case finds it', async () => {
      const store = await fresh();
      assert.equal((await open(store, 'reg_1')).kind, 'opened');
      const again = await open(store, 'reg_2', ' ada@example.COM');
      assert.equal(again.kind, 'pending');
      assert.equal(again.kind === 'pending' && again.registration.registrationId, 'reg_1');
      assert.equal(await store.getRegistration('reg_2'), undefined, 'nothing new was written');
      await store.close();
    });

    it('confirms with the credentials the opened link carries, once; the address then belongs to the customer', async () => {
      const store = await fresh();
      await open(store, 'reg_1');
      const first = tokenHash(newLinkToken());
      await store.saveLink({
        tokenHash: first,
        registrationId: 'reg_1',
        linkNumber: 1,
        expiresAt: LATER,
        createdAt: NOW,
      });
      assert.equal(
        await store.replaceCredentials('reg_1', { name: 'Ada L.', passwordHash: 'hash-newer' }),
        true,
      );
      const second = tokenHash(newLinkToken());
      await store.saveLink({
        tokenHash: second,
        registrationId: 'reg_1',
        linkNumber: 2,
        expiresAt: LATER,
        createdAt: NOW,
      });
      assert.deepEqual(await store.findLink(second), {
        registrationId: 'reg_1',
        linkNumber: 2,
        expiresAt: LATER,
      });
      assert.equal(await store.findLink(tokenHash('never made')), undefined);

      const input = { registrationId: 'reg_1', tokenHash: second, customerId: 'cus_1', at: LATER };
      const confirmed = await store.confirmRegistration(input);
      assert.equal(confirmed.confirmed, 'now');
      assert.equal(confirmed.customer.name, 'Ada L.', "the second link's credentials");
      assert.equal(
        (await store.confirmRegistration(input)).confirmed,
        'before',
        'a retry writes nothing new',
      );
      assert.equal(await store.passwordHashOf('ADA@example.com'), 'hash-newer');
      assert.equal((await store.getRegistration('reg_1'))?.status, 'Confirmed');
      assert.deepEqual(await open(store, 'reg_3'), { kind: 'customer' });
      assert.equal(await store.replaceCredentials('reg_1', { name: 'x', passwordHash: 'y' }), false);
      await store.close();
    });

    it('lapses a pending registration: nothing written, credentials erased, the address free again', async () => {
      const store = await fresh();
      await open(store, 'reg_1');
      const hash = tokenHash(newLinkToken());
      await store.saveLink({
        tokenHash: hash,
        registrationId: 'reg_1',
        linkNumber: 1,
        expiresAt: LATER,
        createdAt: NOW,
      });
      assert.deepEqual(await store.lapseRegistration('reg_1', LATER), { lapsed: true });
      assert.deepEqual(await store.lapseRegistration('reg_1', LATER), { lapsed: false });
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
      assert.equal((await open(store, 'reg_2')).kind, 'opened', 'the address is free again');
      assert.deepEqual(
        (await store.registrationsFor('ada@example.com')).map((r) => [r.registrationId, r.status]),
        [
          ['reg_2', 'PendingConfirmation'],
          ['reg_1', 'Lapsed'],
        ],
      );
      await store.close();
    });

    it('keeps the newest recorded view, whatever order the records arrive in', async () => {
      const store = await fresh();
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
  });
}
