/**
 * Registrations on the app database (store/sql.ts), each operation one transaction: each sign-up
 * its own registration (an address may have several pending ones), the process's view recorded
 * in order, and a lapse that erases everything personal of it, leaving a tombstone with its id,
 * status and times.
 */
import { emailKey, lapsedView, type RegistrationView } from '../domain/registration';
import { customerByKey, REGISTRATION_COLUMNS, registrationById, toRegistration } from './registration-rows';
import type { OpenResult, RegistrationStore, StoredRegistration } from './registration-types';
import { pruneLinkSends } from './sql-registration-links';
import type { Sql, Transactions } from './sql';

/** The view a registration answers with before its process has recorded one: as it was opened. */
function openedView(registration: StoredRegistration): RegistrationView {
  return {
    registrationId: registration.registrationId,
    email: registration.email,
    name: registration.name,
    status: registration.status,
    createdAt: registration.createdAt,
    updatedAt: registration.updatedAt,
    linksSent: 0,
    linkSentAt: [],
    confirmBy: registration.createdAt,
  };
}

type RegistrationOperations = Pick<
  RegistrationStore,
  'openRegistration' | 'getRegistration' | 'registrationsFor' | 'recordRegistrationView' | 'lapseRegistration'
>;

export function registrationOperations(db: Transactions): RegistrationOperations {
  return {
    openRegistration: (input) =>
      db.tx(async (sql): Promise<OpenResult> => {
        const key = emailKey(input.email);
        if (await customerByKey(sql, key)) return { kind: 'customer' };
        await sql.run(
          `INSERT INTO registrations (registration_id, email, email_key, name, password_hash, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'PendingConfirmation', ?, ?)`,
          [
            input.registrationId,
            input.email,
            key,
            input.name,
            input.passwordHash,
            input.createdAt,
            input.createdAt,
          ],
        );
        return { kind: 'opened', registration: (await registrationById(sql, input.registrationId))! };
      }),
    getRegistration: (registrationId) => db.tx((sql) => registrationById(sql, registrationId)),
    registrationsFor: (email) =>
      db.tx(async (sql) =>
        (
          await sql.all(
            `SELECT ${REGISTRATION_COLUMNS} FROM registrations WHERE email_key = ?
             ORDER BY created_at DESC, registration_id DESC LIMIT 20`,
            [emailKey(email)],
          )
        ).map(toRegistration),
      ),
    recordRegistrationView: (registrationId, version, view) =>
      db.tx((sql) => recordView(sql, registrationId, version, view)),
    lapseRegistration: async (registrationId, at, reason = 'not_confirmed_in_time') => {
      const lapsed = await db.tx(async (sql) => {
        const registration = await registrationById(sql, registrationId);
        if (registration?.status !== 'PendingConfirmation') return { lapsed: false };
        const tombstone = lapsedView(registration.view ?? openedView(registration), { at, reason });
        await sql.run(
          `UPDATE registrations SET status = 'Lapsed', email = '', email_key = '', name = '',
             password_hash = NULL, view_json = ?, updated_at = ?
           WHERE registration_id = ?`,
          [JSON.stringify(tombstone), at, registrationId],
        );
        await sql.run('DELETE FROM registration_links WHERE registration_id = ?', [registrationId]);
        await sql.run('DELETE FROM registration_password_tries WHERE registration_id = ?', [registrationId]);
        await pruneLinkSends(sql, Date.parse(at));
        return { lapsed: true };
      });
      if (lapsed.lapsed) await db.forgetErased();
      return lapsed;
    },
  };
}

/** The process's view; `version` orders the records, so a late one never overwrites a newer one. */
async function recordView(
  sql: Sql,
  registrationId: string,
  version: number,
  view: RegistrationView,
): Promise<void> {
  const registration = await registrationById(sql, registrationId);
  if (!registration || registration.statusVersion >= version) return;
  // A record that arrives after the registration lapsed (the process's last ones) keeps its tombstone only.
  const kept =
    registration.status === 'Lapsed'
      ? lapsedView(view, {
          at: registration.view?.lapsedAt,
          reason: registration.view?.lapseReason ?? view.lapseReason,
        })
      : view;
  await sql.run(
    `UPDATE registrations SET view_json = ?, status_version = ?, updated_at = ?
     WHERE registration_id = ? AND status_version < ?`,
    [JSON.stringify(kept), version, kept.updatedAt, registrationId, version],
  );
}
