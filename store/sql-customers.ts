/**
 * The customers registrations become, on the app database (store/sql.ts): at most one per address
 * (the unique `customers.email_key` decides which sign-up wins), written from the link's
 * credentials when its registration is confirmed, in one transaction with the registration's
 * status, its password hash erased from it and its links.
 */
import { emailKey } from '../domain/registration';
import { customerByKey, registrationById, toCustomer } from './registration-rows';
import { RegistrationNotConfirmable, type Customer, type RegistrationStore } from './registration-types';
import type { Sql, Transactions } from './sql';

type CustomerOperations = Pick<RegistrationStore, 'confirmRegistration' | 'getCustomer' | 'passwordHashOf'>;
type Confirmation = Parameters<RegistrationStore['confirmRegistration']>[0];
type Confirmed = Awaited<ReturnType<RegistrationStore['confirmRegistration']>>;

export function customerOperations(db: Transactions): CustomerOperations {
  return {
    confirmRegistration: (input) => db.tx((sql) => confirm(sql, input)),
    getCustomer: (customerId) =>
      db.tx(async (sql) => {
        const [row] = await sql.all('SELECT * FROM customers WHERE customer_id = ?', [customerId]);
        return row ? toCustomer(row) : undefined;
      }),
    passwordHashOf: (email) =>
      db.tx(async (sql) => {
        const row = await customerByKey(sql, emailKey(email));
        return row ? String(row.password_hash) : undefined;
      }),
  };
}

/** The address's other sign-ups still pending: they lost, and are to lapse. */
async function pendingOthers(sql: Sql, key: string, registrationId: string): Promise<string[]> {
  const rows = await sql.all(
    `SELECT registration_id FROM registrations
     WHERE email_key = ? AND status = 'PendingConfirmation' AND registration_id <> ?
     ORDER BY created_at, registration_id`,
    [key, registrationId],
  );
  return rows.map((row) => String(row.registration_id));
}

async function confirm(
  sql: Sql,
  { registrationId, tokenHash, customerId, at }: Confirmation,
): Promise<Confirmed> {
  const registration = await registrationById(sql, registrationId);
  if (!registration) throw new RegistrationNotConfirmable(`no registration ${registrationId}`);
  const key = emailKey(registration.email);
  if (registration.status === 'Confirmed') {
    const [row] = await sql.all('SELECT * FROM customers WHERE registration_id = ?', [registrationId]);
    const others = await pendingOthers(sql, key, registrationId);
    return { customer: toCustomer(row!), confirmed: 'before', others };
  }
  if (registration.status !== 'PendingConfirmation')
    throw new RegistrationNotConfirmable(`registration ${registrationId} is ${registration.status}`);
  const [link] = await sql.all(
    'SELECT name, password_hash FROM registration_links WHERE token_hash = ? AND registration_id = ?',
    [tokenHash, registrationId],
  );
  if (!link?.password_hash)
    throw new RegistrationNotConfirmable(`the link is not one of registration ${registrationId}`);
  // The first sign-up of the address confirmed wins; the unique email_key decides a tie.
  if (await customerByKey(sql, key))
    throw new RegistrationNotConfirmable(`the address of ${registrationId} already belongs to a customer`);
  await sql.run(
    `INSERT INTO customers (customer_id, email, email_key, name, password_hash, registration_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [customerId, registration.email, key, link.name, link.password_hash, registrationId, at],
  );
  await sql.run(
    `UPDATE registrations SET status = 'Confirmed', password_hash = NULL, updated_at = ?
     WHERE registration_id = ?`,
    [at, registrationId],
  );
  await sql.run('UPDATE registration_links SET password_hash = NULL WHERE registration_id = ?', [
    registrationId,
  ]);
  await sql.run('DELETE FROM registration_password_tries WHERE registration_id = ?', [registrationId]);
  const customer: Customer = {
    customerId,
    email: registration.email,
    name: String(link.name),
    registrationId,
    createdAt: at,
  };
  return { customer, confirmed: 'now', others: await pendingOthers(sql, key, registrationId) };
}
