/**
 * The registration part of the public contract. A registration is a workflow
 * (`registration-<registrationId>`); the API hashes the password and stores it with the address
 * (store/registration-store.ts) before the process starts, so the process, its history and the
 * logs never see either. The emailed link is opened without sign-in (`registrationLinkRouter`);
 * everything else needs the storefront's or support's token (`registrationsRouter`).
 */
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { Router, type Request } from 'express';
import {
  customerIdFor,
  linkRefusal,
  type Registration,
  type RegistrationView,
} from '../../domain/registration';
import type { RegistrationStore, StoredRegistration } from '../../store';
import {
  registrationStatusQuery,
  registrationWorkflowId,
  resendLinkUpdate,
} from '../../workflows/registration/messages';
import { callerName, requireRole } from '../auth';
import { conflict, HttpError, notFound } from '../errors';
import { askWithinDeadline } from '../reads';
import { parseBody, parseQuery } from '../schemas';
import { askProcess, noAnswer } from '../updates';
import {
  REGISTRATION_ID_PATTERN,
  registrationBody,
  registrationLookupQuery,
  resendBody,
  type RegistrationAnswer,
} from './contract';
import { hashPassword } from './passwords';

export interface RegistrationDeps {
  client: Client;
  registrations: RegistrationStore;
  taskQueue: string;
}

export function newRegistrationId(): string {
  return `reg_${crypto.randomBytes(12).toString('hex')}`;
}

/** The registration as the contract answers it: the view, its decided status, when a fresh link may go. */
export function registrationAnswerOf(
  view: RegistrationView,
  status = view.status,
  now = Date.now(),
): RegistrationAnswer {
  const answer = { ...view, status } as RegistrationAnswer;
  if (status === 'PendingConfirmation') {
    const limited = linkRefusal(view.linkSentAt ?? [], now);
    answer.resendAvailableAt = new Date(now + (limited?.retryAfterMs ?? 0)).toISOString();
  }
  return answer;
}

/** What the store holds before the process has recorded a view: the registration as opened. */
function storedView(stored: StoredRegistration): RegistrationView {
  return (
    stored.view ?? {
      registrationId: stored.registrationId,
      email: stored.email,
      name: stored.name,
      status: stored.status,
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
      linksSent: 0,
      linkSentAt: [],
      confirmBy: stored.createdAt,
    }
  );
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
    return registrationAnswerOf(view, stored.status === 'PendingConfirmation' ? view.status : stored.status);
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
    await client.workflow.start('registrationWorkflow', {
      workflowId: registrationWorkflowId(stored.registrationId),
      taskQueue,
      args: [registration],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Registration of ${stored.email}`,
    });
  }

  return { handleFor, storedOr404, currentAnswer, startProcess };
}

export function registrationsRouter(deps: RegistrationDeps): Router {
  const router = Router();
  const { client, registrations } = deps;
  const { handleFor, storedOr404, currentAnswer, startProcess } = registrationAccess(deps);

  router.post('/registrations', requireRole('storefront'), async (req, res) => {
    const body = parseBody(registrationBody, req.body);
    const passwordHash = await hashPassword(body.password);
    const now = new Date().toISOString();
    const opened = await registrations.openRegistration({
      registrationId: newRegistrationId(),
      email: body.email.trim(),
      name: body.name,
      passwordHash,
      createdAt: now,
    });
    if (opened.kind === 'customer') {
      throw conflict('this address already belongs to a customer', { reason: 'address_registered' });
    }
    const { registration } = opened;
    await startProcess(registration);
    if (opened.kind === 'pending') await registeredAgain(req, registration, body.name, passwordHash);
    res.status(202).json(await currentAnswer(registration));
  });

  /**
   * The address registered again while pending: after a minute since the last link, the newest
   * name and password stand and a fresh link carries them (the person who can read the mailbox
   * and opens the newest link is the one who registered last); within the minute, nothing changes.
   */
  async function registeredAgain(
    req: Request,
    stored: StoredRegistration,
    name: string,
    passwordHash: string,
  ): Promise<void> {
    const answer = await currentAnswer(stored);
    if (answer.linksSent === 0 || linkRefusal(answer.linkSentAt ?? [], Date.now())) return;
    if (!(await registrations.replaceCredentials(stored.registrationId, { name, passwordHash }))) return;
    try {
      await askProcess(client, handleFor(stored.registrationId), resendLinkUpdate, {
        by: `${callerName(req)} (registered again)`,
      });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err; // refused (a race with another link): the answer stands
    }
  }

  router.get('/registrations', requireRole('support'), async (req, res) => {
    const { email } = parseQuery(registrationLookupQuery, req.query);
    const found = await registrations.registrationsFor(email);
    res.json({
      registrations: found.map((stored) => registrationAnswerOf(storedView(stored), stored.status)),
    });
  });

  router.get('/registrations/:id', requireRole('storefront', 'support'), async (req, res) => {
    res.json(await currentAnswer(await storedOr404(String(req.params.id))));
  });

  router.post('/registrations/:id/resend', requireRole('storefront', 'support'), async (req, res) => {
    parseBody(resendBody, req.body);
    const stored = await storedOr404(String(req.params.id));
    if (stored.status !== 'PendingConfirmation') {
      throw conflict(`the registration is ${stored.status}: it waits for no link`, {
        reason: 'not_pending',
        status: stored.status,
      });
    }
    const asked = await askProcess(client, handleFor(stored.registrationId), resendLinkUpdate, {
      by: callerName(req),
    });
    if (asked.kind === 'no_answer') throw noAnswer('registration');
    if (asked.kind === 'closed') {
      const now = await storedOr404(stored.registrationId);
      throw conflict(`the registration is ${now.status}: it waits for no link`, {
        reason: 'not_pending',
        status: now.status,
      });
    }
    res.status(202).json(registrationAnswerOf(asked.view));
  });

  return router;
}
