/** A signed-in customer's own account (API v1.2, "Customers"): who they are. */
import { Router } from 'express';
import type { RegistrationStore } from '../../store';
import { notFound } from '../errors';
import { handle, mount } from '../mount';
import { getMe } from './contract';

export function customersRouter({ registrations }: { registrations: RegistrationStore }): Router {
  return mount(Router(), [
    handle(getMe, async ({ caller }) => {
      const customer = await registrations.getCustomer(caller.sub);
      if (!customer) throw notFound(`customer ${caller.sub}`);
      return {
        status: 200,
        body: { customerId: customer.customerId, email: customer.email, name: customer.name },
      };
    }),
  ]);
}
