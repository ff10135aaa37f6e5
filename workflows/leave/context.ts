/**
 * What every stage of a leave request shares: the request, its settings, the ledger's and the
 * deliveries' activities, and the process context (workflows/process-context.ts) wired to them.
 * Adds the request's own deliveries: its events on the `people` exchange and its emails.
 * Workflow code: deterministic, no I/O of its own.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { LeaveActivities, LeaveEmailKind } from '../../activities/leave/types';
import type { Submission } from '../../activities/leave/types';
import type { LeaveSettings } from '../../config/settings';
import type { Inbox } from './inbox';
import type { LeaveRequest, LeaveStatus, LeaveView, Person } from '../../domain/leave';
import { ProcessContext } from '../process-context';
import { DELIVERIES, OWN_STORE, SETTINGS_READ } from '../retry-policies';
import { INTERACTIVE } from '../../domain/priorities';
import { employeeIdSearchAttribute, leaveStatusSearchAttribute } from './messages';

export const { loadLeaveSettings } = proxyLocalActivities<LeaveActivities>({
  startToCloseTimeout: '10s',
  retry: SETTINGS_READ,
});

/** The ledger: retried until it succeeds; a request the process cannot take fails at once. */
export const ledger = proxyActivities<LeaveActivities>({
  startToCloseTimeout: '30s',
  retry: { ...OWN_STORE, nonRetryableErrorTypes: ['LeaveRequestInvalid'] },
  priority: INTERACTIVE,
});

/**
 * Emails, events and alerts: retried without limit; nothing is dropped. A manager and an employee
 * wait for them: they go before any bulk action's work (domain/priorities.ts).
 */
export const deliveries = proxyActivities<LeaveActivities>({
  startToCloseTimeout: '30s',
  retry: DELIVERIES,
  priority: INTERACTIVE,
});

/** SIDE_EFFECT_ALERT_AFTER's default, for settings recorded before leave carried it. */
const DEFAULT_ALERT_AFTER_MS = 15 * 60_000;

export class LeaveContext extends ProcessContext<LeaveStatus, LeaveView> {
  /** The employee, once the ledger has read them. */
  employee: Person = { id: '', name: '', email: '' };

  constructor(
    readonly request: LeaveRequest,
    readonly settings: LeaveSettings,
    view: LeaveView,
    /**
     * False for requests started before leave shared the process context: their deliveries were
     * plain background activities, without the alert after SIDE_EFFECT_ALERT_AFTER.
     */
    private readonly alerting: boolean,
  ) {
    super(view, {
      key: request.requestId,
      title: `leave request ${request.requestId}`,
      alertAfterMs: settings.sideEffectAlertAfterMs ?? DEFAULT_ALERT_AFTER_MS,
      recordsEveryChange: alerting,
      searchAttributes: (status) => [
        { key: leaveStatusSearchAttribute, value: status },
        { key: employeeIdSearchAttribute, value: request.employeeId },
      ],
      recordStatus: ({ status, version, view: recorded }) =>
        ledger.recordLeaveStatus({ requestId: request.requestId, status, version, view: recorded }),
      alertSupport: (alert) =>
        deliveries.alertLeaveSupport({
          ...alert,
          requestId: request.requestId,
          employeeId: request.employeeId,
        }),
    });
  }

  /** `occurrence` tells repeated facts of one type apart (a deficit deducted in two year starts). */
  publish(type: string, data: Record<string, unknown> = {}, occurrence = 1): void {
    const { request, view } = this;
    const suffix = occurrence > 1 ? `:${occurrence}` : '';
    this.send(`${type}${occurrence > 1 ? `#${occurrence}` : ''}`, () =>
      deliveries.publishLeaveEvent({
        type,
        employeeId: request.employeeId,
        messageId: `${request.requestId}:${type}${suffix}`,
        occurredAt: this.now(),
        data: {
          requestId: request.requestId,
          employeeId: request.employeeId,
          days: request.days,
          startDate: request.startDate,
          status: view.status,
          ...data,
        },
      }),
    );
  }

  email(kind: LeaveEmailKind, to: Person, occurrence = 1, data: Record<string, unknown> = {}): void {
    const { request, view } = this;
    const suffix = occurrence > 1 ? `:${occurrence}` : '';
    this.send(
      `email:${kind}${occurrence > 1 ? `#${occurrence}` : ''}${to.id === this.employee.id ? '' : `:${to.id}`}`,
      () =>
        deliveries.emailLeave({
          kind,
          requestId: request.requestId,
          to: to.email,
          messageKey: `${request.requestId}:${kind}${suffix}`,
          data: {
            employeeId: request.employeeId,
            employeeName: this.employee.name,
            days: request.days,
            startDate: request.startDate,
            balanceBefore: view.balanceBefore,
            balanceAfter: view.balanceAfter,
            ...data,
          },
        }),
    );
  }

  private send(name: string, sending: () => Promise<void>): void {
    if (this.alerting) this.deliver(name, sending);
    else this.inBackground(sending());
  }
}

/** What one request's stages share: its context, its inbox of messages and what the ledger said. */
export interface Leave {
  ctx: LeaveContext;
  request: LeaveRequest;
  view: LeaveView;
  settings: LeaveSettings;
  inbox: Inbox;
  /** The request's patches, read once at its start. */
  edges: boolean;
  startsAt: number;
  submission: Submission;
}
