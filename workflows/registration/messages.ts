/**
 * The messages the registration process understands, shared by the workflow (which handles them)
 * and the API (which sends them), with its search attribute and workflow id. Names are part of
 * every running registration's history: rename none.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RegistrationView } from '../../domain/registration';

/** A confirmation link was opened: which one, and its token's hash (the store's key for it). */
export interface LinkOpened {
  linkNumber: number;
  tokenHash: string;
}

/** A fresh link asked for: by the customer through the storefront, by support, or by registering again. */
export interface LinkRequest {
  by: string;
}

export const registrationStatusQuery = defineQuery<RegistrationView>('registrationStatus');
/**
 * The link opened, answered with the registration once the customer is written. Refused
 * (workflows/refusal.ts) when the link was replaced by a newer one or the registration lapsed.
 * A registration already confirmed answers as it is (a second click).
 */
export const confirmRegistrationUpdate = defineUpdate<RegistrationView, [LinkOpened]>('confirmRegistration');
/** The same, when no worker answered the update in time: it lands once one runs. */
export const confirmRegistrationSignal = defineSignal<[LinkOpened]>('confirmRegistration');
/**
 * A fresh link: the earlier ones stop working and the deadline moves. Refused when the registration
 * waits for no confirmation (409) or links went out too often (429, `too_soon`, `hourly_limit`).
 */
export const resendLinkUpdate = defineUpdate<RegistrationView, [LinkRequest]>('resendConfirmationLink');

export const registrationStatusSearchAttribute = defineSearchAttributeKey(
  'RegistrationStatus',
  SearchAttributeType.KEYWORD,
);

/** What the worker registers and the Temporal UI lists registrations by. */
export const REGISTRATION_SEARCH_ATTRIBUTES = [registrationStatusSearchAttribute] as const;

export function registrationWorkflowId(registrationId: string): string {
  return `registration-${registrationId}`;
}
