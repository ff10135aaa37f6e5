/**
 * The messages the registration process understands, shared by the workflow (which handles them)
 * and the API (which sends them), with its search attribute and workflow id. Names are part of
 * every running registration's history: rename none.
 */
import { defineSearchAttributeKey, SearchAttributeType, WorkflowIdReusePolicy } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { INTERACTIVE } from '../../domain/priorities';
import type { Registration, RegistrationView } from '../../domain/registration';

/** Why a pending registration is closed before its deadline: another sign-up of the address was confirmed, or its password was guessed at too often. */
export interface RegistrationClosed {
  reason: 'address_taken' | 'too_many_wrong_passwords';
}

/** A confirmation link was opened: which one, and its token's hash (the store's key for it). */
export interface LinkOpened {
  linkNumber: number;
  tokenHash: string;
}

/** A fresh link asked for: by the customer through the storefront, or by support. */
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
 * waits for no confirmation (409) or links went to its address too often, whichever sign-up of the
 * address sent them (429, `too_soon`, `hourly_limit`).
 */
export const resendLinkUpdate = defineUpdate<RegistrationView, [LinkRequest]>('resendConfirmationLink');

/**
 * Closes a pending registration: it lapses now and its personal data is erased. Sent by the
 * registration of the same address that was confirmed (it won), and by the API when the link's
 * page took the last wrong password. A registration confirmed, lapsed or whose link was opened
 * ignores it.
 */
export const closeRegistrationSignal = defineSignal<[RegistrationClosed]>('closeRegistration');

export const registrationStatusSearchAttribute = defineSearchAttributeKey(
  'RegistrationStatus',
  SearchAttributeType.KEYWORD,
);

/** What the worker registers and the Temporal UI lists registrations by. */
export const REGISTRATION_SEARCH_ATTRIBUTES = [registrationStatusSearchAttribute] as const;

export function registrationWorkflowId(registrationId: string): string {
  return `registration-${registrationId}`;
}

/**
 * What `POST /registrations` asks Temporal for: one process per sign-up, started once (one already
 * running, a retry after a crash, is left as it is). A person waits for its link: its workflow
 * tasks and activities go before any bulk action's work (domain/priorities.ts).
 */
export function registrationStartOptions(registration: Registration, taskQueue: string) {
  return {
    workflowId: registrationWorkflowId(registration.registrationId),
    taskQueue,
    args: [registration] as [Registration],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    staticSummary: `Registration of ${registration.email}`,
    priority: INTERACTIVE,
  };
}
