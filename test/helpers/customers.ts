/** A customer as the registration saga leaves one: signed up, link opened, confirmed (through the store). */
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../api/registration/passwords';
import type { Customer, RegistrationStore } from '../../store';

export async function confirmedCustomer(
  registrations: RegistrationStore,
  {
    email,
    name = 'Ada Lovelace',
    password = 'correct horse battery staple',
    customerId = `cus_${randomUUID().slice(0, 8)}`,
  }: {
    email: string;
    name?: string;
    password?: string;
    customerId?: string;
  },
): Promise<Customer> {
  const registrationId = `reg_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const now = new Date().toISOString();
  await registrations.openRegistration({
    registrationId,
    email,
    name,
    createdAt: now,
    passwordHash: await hashPassword(password),
  });
  const link = `link-${registrationId}`;
  await registrations.saveLink({
    registrationId,
    linkNumber: 1,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    tokenHash: link,
    createdAt: now,
  });
  const { customer } = await registrations.confirmRegistration({
    registrationId,
    tokenHash: link,
    customerId,
    at: now,
  });
  return customer;
}
