/**
 * What every stage of a registration shares: the registration, its settings, the store's and the
 * deliveries' activities, and the process context (workflows/process-context.ts) wired to them.
 * Adds the registration's own deliveries: its links, the welcome, `customer.registered`.
 * Workflow code: deterministic, no I/O of its own.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RegistrationActivities, RegistrationSettings } from '../../activities/registration/types';
import {
  lapsedView,
  type LapseReason,
  type Registration,
  type RegistrationStatus,
  type RegistrationView,
} from '../../domain/registration';
import { ProcessContext } from '../process-context';
import { DELIVERIES, OWN_STORE, SETTINGS_READ } from '../retry-policies';
import { INTERACTIVE } from '../../domain/priorities';
import { registrationStatusSearchAttribute } from './messages';
import { formatTime } from '../../domain/words';

export const { loadRegistrationSettings } = proxyLocalActivities<RegistrationActivities>({
  startToCloseTimeout: '10s',
  retry: SETTINGS_READ,
});

/** The app's store: retried until it succeeds; a confirmation it refuses for good fails at once. */
export const store = proxyActivities<RegistrationActivities>({
  startToCloseTimeout: '30s',
  retry: { ...OWN_STORE, nonRetryableErrorTypes: ['RegistrationNotConfirmable'] },
  priority: INTERACTIVE,
});

/**
 * Emails, events and alerts: retried without limit; nothing is dropped. A person waits for the
 * link: it goes before any bulk action's work (domain/priorities.ts).
 */
const deliveries = proxyActivities<RegistrationActivities>({
  startToCloseTimeout: '30s',
  retry: DELIVERIES,
  priority: INTERACTIVE,
});

export class RegistrationContext extends ProcessContext<RegistrationStatus, RegistrationView> {
  /** Lapsed: the view holds nothing personal any more, and no step is added to a timeline. */
  private erased = false;

  constructor(
    readonly registration: Registration,
    readonly settings: RegistrationSettings,
  ) {
    const { registrationId, email, name, createdAt } = registration;
    super(
      {
        registrationId,
        email,
        name,
        status: 'PendingConfirmation',
        createdAt,
        updatedAt: createdAt,
        linksSent: 0,
        linkSentAt: [],
        confirmBy: createdAt,
      },
      {
        key: registrationId,
        title: `registration ${registrationId}`,
        alertAfterMs: settings.sideEffectAlertAfterMs,
        keepsTimeline: true,
        recordsEveryChange: true,
        searchAttributes: (status) => [{ key: registrationStatusSearchAttribute, value: status }],
        recordStatus: ({ status, version, view }) =>
          store.recordRegistrationStatus({
            registrationId,
            status,
            version,
            view: view as RegistrationView,
          }),
        alertSupport: (alert) => deliveries.alertRegistrationSupport({ ...alert, registrationId }),
      },
    );
  }

  /** A fresh link: the earlier ones stop working, the deadline moves to REGISTRATION_CONFIRM_WITHIN from now. */
  sendLink(by?: string): void {
    const { view, registration, settings } = this;
    const linkNumber = view.linksSent + 1;
    const sentAt = this.now();
    view.linksSent = linkNumber;
    view.linkSentAt.push(sentAt);
    view.confirmBy = this.after(settings.confirmWithinMs);
    this.note(
      'link',
      `Confirmation link ${linkNumber} sent, working until ${formatTime(view.confirmBy)}`,
      by,
    );
    this.deliver(`email:confirmation_link${linkNumber > 1 ? `#${linkNumber}` : ''}`, () =>
      deliveries.sendConfirmationLink({
        registrationId: registration.registrationId,
        linkNumber,
        to: registration.email,
        name: registration.name,
        expiresAt: view.confirmBy,
      }),
    );
  }

  /**
   * The registration lapsed: the view keeps its id, status, times and counts, never the address,
   * the name, the timeline or the deliveries. What the query answers, the store records and the
   * workflow returns from now on.
   */
  erase(reason: LapseReason): void {
    const view = this.view as unknown as Record<string, unknown>;
    const tombstone = lapsedView(this.view, { at: this.now(), reason });
    for (const key of Object.keys(view)) delete view[key];
    Object.assign(view, tombstone);
    this.erased = true;
  }

  override note(kind: string, detail: string, actor?: string): void {
    if (!this.erased) super.note(kind, detail, actor);
  }

  /** Waits for every delivery, then records the view once more: the store keeps how each ended. */
  override async finish(): Promise<RegistrationView> {
    await super.finish();
    this.record();
    return super.finish();
  }

  announce(customerId: string): void {
    const { registration, view } = this;
    this.deliver('customer.registered', () =>
      deliveries.publishCustomerRegistered({
        registrationId: registration.registrationId,
        customerId,
        email: registration.email,
        name: registration.name,
        occurredAt: view.confirmedAt ?? this.now(),
      }),
    );
  }

  welcome(customerId: string): void {
    const { registration } = this;
    this.deliver('email:welcome', () =>
      deliveries.sendWelcomeEmail({
        registrationId: registration.registrationId,
        customerId,
        to: registration.email,
        name: registration.name,
      }),
    );
  }
}
