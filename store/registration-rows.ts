/**
 * The registration store's rows as its answers, and the reads every part of it makes: a
 * registration by its id, the customer of an address.
 */
import type { RegistrationStatus, RegistrationView } from '../domain/registration';
import type { Customer, StoredRegistration } from './registration-types';
import type { Row, Sql } from './sql';

export const REGISTRATION_COLUMNS =
  'registration_id, email, name, status, status_version, view_json, created_at, updated_at';

export function toRegistration(row: Row): StoredRegistration {
  const view =
    typeof row.view_json === 'string' ? (JSON.parse(row.view_json) as RegistrationView) : undefined;
  return {
    registrationId: String(row.registration_id),
    email: String(row.email),
    name: String(row.name),
    status: String(row.status) as RegistrationStatus,
    statusVersion: Number(row.status_version),
    view,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

export function toCustomer(row: Row): Customer {
  return {
    customerId: String(row.customer_id),
    email: String(row.email),
    name: String(row.name),
    registrationId: String(row.registration_id),
    createdAt: String(row.created_at),
  };
}

export async function registrationById(sql: Sql, id: string): Promise<StoredRegistration | undefined> {
  const [row] = await sql.all(`SELECT ${REGISTRATION_COLUMNS} FROM registrations WHERE registration_id = ?`, [
    id,
  ]);
  return row ? toRegistration(row) : undefined;
}

/** The customer of an address, by its key (emailKey). */
export async function customerByKey(sql: Sql, key: string): Promise<Row | undefined> {
  return (await sql.all('SELECT * FROM customers WHERE email_key = ?', [key]))[0];
}
