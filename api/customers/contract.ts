/**
 * The customers' part of the public contract (API v1.2, "Customers"): who a signed-in customer is.
 * Their orders are the orders routes, which a customer's token reaches for their own orders only
 * (api/checkout/contract.ts). No Node built-ins: the browser bundle reads these types.
 */
import { z } from 'zod';
import { errorAnswer, route, the, type Route } from '../contract/shared';

export const customerAnswer = z.looseObject({
  customerId: z.string().describe('the `customer.id` of their orders, and their tokens’ `sub`'),
  email: z.string(),
  name: z.string(),
});
export type CustomerAnswer = z.infer<typeof customerAnswer>;

export const getMe = route({
  method: 'get',
  path: '/customers/me',
  who: 'customer',
  roles: ['customer'],
  summary: 'the signed-in customer',
  answers: {
    '200': the('the customer', customerAnswer),
    '404': the('no customer has this id (a token for someone who never registered)', errorAnswer),
  },
});

export const CUSTOMER_ROUTES: Route[] = [getMe];
