/**
 * Every custom search attribute the processes keep current: what the worker registers before it
 * polls and what the dev servers are started with. Each process declares its own in its messages.
 */
import { CHECKOUT_SEARCH_ATTRIBUTES } from './checkout/messages';
import { LEAVE_SEARCH_ATTRIBUTES } from './leave/messages';
import { REGISTRATION_SEARCH_ATTRIBUTES } from './registration/messages';

export const SEARCH_ATTRIBUTE_KEYS = [
  ...CHECKOUT_SEARCH_ATTRIBUTES,
  ...LEAVE_SEARCH_ATTRIBUTES,
  ...REGISTRATION_SEARCH_ATTRIBUTES,
] as const;
