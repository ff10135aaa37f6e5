/**
 * The registration part of the public contract. A registration is a workflow
 * (`registration-<registrationId>`), one per sign-up; the API hashes the password and stores it
 * with the address (store/registration-store.ts) before the process starts, so the process, its
 * history and the logs never see either. A second sign-up of a pending address is a registration
 * of its own: it changes nothing of the first and its answer shows nothing of it. The emailed
 * link's page is opened without sign-in (`registrationLinkRouter`); everything else needs the
 * storefront's or support's token (`registrationsRouter`).
 */
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import {
  customerIdFor,
  lapsedView,
  linkRefusal,
  linkRefusalWords,
  type Registration,
  type RegistrationView,
} from '../../domain/registration';
import type { RegistrationStore, StoredRegistration } from '../../store';
import {
  registrationStatusQuery,
  registrationStartOptions,
  registrationWorkflowId,
  resendLinkUpdate,
} from '../../workflows/registration/messages';
import { callerName } from '../auth';
import { conflict, HttpError, notFound } from '../errors';
import { handle, mount } from '../mount';
import { askWithinDeadline } from '../reads';
import { askProcess, noAnswer } from '../updates';
import { registrationWorkflow } from '../../workflows/registration/workflow';
import {
  getRegistration,
  listRegistrations,
  register,
  REGISTRATION_ID_PATTERN,
  resendLink,
  type RegistrationAnswer,
} from './contract';
import { hashPassword } from './passwords';
import { registrationTimelineOf } from './timeline';

export interface RegistrationDeps {
  client: Client;
  registrations: RegistrationStore;
  taskQueue: string;
}

export function newRegistrationId(): string {
  return `reg_${crypto.randomBytes(12).toString('hex')}`;
}

/**
 * The registration as the contract answers it: the view and its decided status; while pending,
 * when a fresh link may go (`linkTimes`: when links went to its address, whichever sign-up sent
 * them). A lapsed one answers its tombstone: nothing personal.
 */
export function registrationAnswerOf(
  view: RegistrationView,
  status = view.status,
  linkTimes: readonly string[] = view.linkSentAt ?? [],
  now = Date.now(),
): RegistrationAnswer {
  if (status === 'Lapsed') return lapsedView(view) as RegistrationAnswer;
  const answer = { ...view, status } as RegistrationAnswer;
  const timeline = registrationTimelineOf(view);
  if (timeline) answer.timeline = timeline;
  if (status === 'PendingConfirmation') {
    const limited = linkRefusal(linkTimes, now);
    answer.resendAvailableAt = new Date(now + (limited?.retryAfterMs ?? 0)).toISOString();
  }
  return answer;
}

/** What the store holds before the process has recorded a view: the registration as opened. */
function storedView(stored: StoredRegistration): RegistrationView {
  return (
    stored.view ?? {
      registrationId: stored.registrationId,
      ...(stored.email ? { email: stored.email } : {}),
      ...(stored.name ? { name: stored.name } : {}),
      status: stored.status,
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
      linksSent: 0,
      linkSentAt: [],
      confirmBy: stored.createdAt,
    }
  );
}

/** When links went to the registration's address lately (every sign-up's), for its limits; none once it waits for no link. */
async function linkTimesOf(registrations: RegistrationStore, stored: StoredRegistration): Promise<string[]> {
  if (stored.status !== 'PendingConfirmation') return [];
  return registrations.linkTimesFor(stored.registrationId, new Date().toISOString());
}

/** Reading a registration and sending it messages: what the registration routes share. */
export function registrationAccess({ client, registrations, taskQueue }: RegistrationDeps) {
  const handleFor = (registrationId: string) =>
    client.workflow.getHandle(registrationWorkflowId(registrationId));

  async function storedOr404(registrationId: string): Promise<StoredRegistration> {
    const stored = REGISTRATION_ID_PATTERN.test(registrationId)
      ? await registrations.getRegistration(registrationId)
      : undefined;
    if (!stored) throw notFound(`registration ${registrationId}`);
    return stored;
  }

  /** The process's own view when a worker answers in time; otherwise the stored one. The status the store decided wins. */
  async function currentAnswer(stored: StoredRegistration): Promise<RegistrationAnswer> {
    let view = storedView(stored);
    if (stored.status === 'PendingConfirmation') {
      try {
        view = await askWithinDeadline(client, () =>
          handleFor(stored.registrationId).query(registrationStatusQuery),
        );
      } catch {
        // no worker in time, or the history is gone: the stored view answers
      }
    }
    if (stored.status === 'Confirmed' && !view.customerId) view = await withCustomer(view);
    const status = stored.status === 'PendingConfirmation' ? view.status : stored.status;
    return registrationAnswerOf(view, status, await linkTimesOf(registrations, stored));
  }

  /**
   * The store decides `Confirmed` as it writes the customer; the process records its view with the
   * customer's id a moment later. In between, the id (and when) come from the customer record, so
   * a `Confirmed` answer always names its customer.
   */
  async function withCustomer(view: RegistrationView): Promise<RegistrationView> {
    const customer = await registrations.getCustomer(customerIdFor(view.registrationId));
    return customer
      ? { ...view, customerId: customer.customerId, confirmedAt: view.confirmedAt ?? customer.createdAt }
      : view;
  }

  /** Starts the registration's process; one already running (a retry after a crash) is left as it is. */
  async function startProcess(stored: StoredRegistration): Promise<void> {
    const registration: Registration = {
      registrationId: stored.registrationId,
      email: stored.email,
      name: stored.name,
      createdAt: stored.createdAt,
    };
    await client.workflow.start(registrationWorkflow, registrationStartOptions(registration, taskQueue));
  }

  /** 429 with `Retry-After` when a link went to the registration's address too lately, whichever of its sign-ups sent it. */
  async function refuseWithinLinkLimits(stored: StoredRegistration): Promise<void> {
    const limited = linkRefusal(await linkTimesOf(registrations, stored), Date.now());
    if (!limited) return;
    const { message, retryAfterSeconds } = linkRefusalWords(limited);
    throw new HttpError(429, 'too_many_requests', message, {
      reason: limited.reason,
      status: stored.status,
      retryAfterSeconds,
    });
  }

  return { handleFor, storedOr404, currentAnswer, startProcess, refuseWithinLinkLimits };
}

export function registrationsRouter(deps: RegistrationDeps): Router {
  const { client, registrations } = deps;
  const { handleFor, storedOr404, currentAnswer, startProcess, refuseWithinLinkLimits } =
    registrationAccess(deps);

  /** A registration that waits for no link: 409 with its status. */
  const notPending = (status: string) =>
    conflict(`the registration is ${status}: it waits for no link`, { reason: 'not_pending', status });

  return mount(Router(), [
    /**
     * Each sign-up is its own registration, whatever else is pending for the address: it changes
     * nothing of an earlier one, and the answer is built the same way for every sign-up, so it
     * shows nothing of one. Its first link goes when the address's limits allow (the process asks).
     */
    handle(register, async ({ body }) => {
      const passwordHash = await hashPassword(body.password);
      const opened = await registrations.openRegistration({
        registrationId: newRegistrationId(),
        email: body.email.trim(),
        name: body.name,
        passwordHash,
        createdAt: new Date().toISOString(),
      });
      if (opened.kind === 'customer') {
        throw conflict('this address already belongs to a customer', { reason: 'address_registered' });
      }
      await startProcess(opened.registration);
      return {
        status: 202,
        body: { registrationId: opened.registration.registrationId, status: 'PendingConfirmation' },
      };
    }),

    handle(listRegistrations, async ({ query }) => {
      const found = await registrations.registrationsFor(query.email);
      const answers: RegistrationAnswer[] = [];
      for (const stored of found) {
        const linkTimes = await linkTimesOf(registrations, stored);
        answers.push(registrationAnswerOf(storedView(stored), stored.status, linkTimes));
      }
      return { status: 200, body: { registrations: answers } };
    }),

    handle(getRegistration, async ({ params }) => ({
      status: 200,
      body: await currentAnswer(await storedOr404(params.id)),
    })),

    handle(resendLink, async ({ params, req }) => {
      const stored = await storedOr404(params.id);
      if (stored.status !== 'PendingConfirmation') throw notPending(stored.status);
      await refuseWithinLinkLimits(stored);
      const asked = await askProcess(client, handleFor(stored.registrationId), resendLinkUpdate, {
        by: callerName(req),
      });
      if (asked.kind === 'no_answer') throw noAnswer('registration');
      if (asked.kind === 'closed') throw notPending((await storedOr404(stored.registrationId)).status);
      return {
        status: 202,
        body: registrationAnswerOf(asked.view, asked.view.status, await linkTimesOf(registrations, stored)),
      };
    }),
  ]);
}
