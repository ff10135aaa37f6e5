/** The words of each leave email, kept apart from sending so they can be read and tested on their own. */
import { formatDate, formatDays, formatMoney, plural } from '../../domain/words';
import type { LeaveEmail, LeaveSupportAlert } from './types';

/** Days as people read them, from whatever the email's data holds. */
function daysIn(value: unknown): string {
  return typeof value === 'number' ? formatDays(value) : `${String(value)} days`;
}

/** A day (`YYYY-MM-DD`) in words: "1 March 2027". */
function dayIn(value: unknown): string {
  return typeof value === 'string' ? formatDate(value) : String(value);
}

/**
 * Each leave email's words. The approvers' emails say where to answer: their inbox in the back
 * office (`backOfficeUrl`, PUBLIC_URL), not an API path.
 */
export function leaveEmailContent(
  email: LeaveEmail,
  backOfficeUrl?: string,
  payrollCurrency = 'eur',
): { subject: string; text: string } {
  const d = email.data;
  const what = `${daysIn(d.days)} of leave from ${dayIn(d.startDate)}`;
  const who = String(d.employeeName ?? d.employeeId);
  const inbox = backOfficeUrl
    ? `in your inbox: ${backOfficeUrl.replace(/\/+$/, '')}/#/inbox`
    : 'in your inbox in the back office';
  switch (email.kind) {
    case 'leave_approval_requested':
      return {
        subject: `Leave to approve: ${who}, ${what}`,
        text: `${who} asks for ${what}, beyond their balance of ${daysIn(d.balanceBefore)}. Approve or reject it ${inbox} before ${dayIn(d.startDate)}; without a decision it expires.`,
      };
    case 'leave_approval_reminder':
      return {
        subject: `Reminder: leave to approve for ${who}`,
        text: `${who}'s request for ${what} still waits for a decision ${inbox}. Without one by ${dayIn(d.startDate)} it expires.`,
      };
    case 'leave_approval_escalated':
      return {
        subject: `Leave waiting on your team: ${who}, ${what}`,
        text: `${who}'s request for ${what} has waited for ${String(d.askedOf)} through ${typeof d.reminders === 'number' ? plural(d.reminders, 'reminder') : 'reminders'}. As the next manager up you may approve or reject it ${inbox}; without a decision by ${dayIn(d.startDate)} it expires.`,
      };
    case 'leave_approved':
      return {
        subject: `Your leave from ${dayIn(d.startDate)} is approved`,
        text: `Your ${what} is approved. Your balance is now ${daysIn(d.balanceAfter)}.${
          typeof d.balanceAfter === 'number' && d.balanceAfter < 0
            ? " The days below zero will be deducted from next year's allowance."
            : ''
        }`,
      };
    case 'leave_rejected':
      return {
        subject: 'Your leave request was rejected',
        text: `Your request for ${what} was rejected.${typeof d.note === 'string' ? ` Note: ${d.note}` : ''}`,
      };
    case 'leave_expired':
      return {
        subject: 'Your leave request expired',
        text: `Nobody decided on your request for ${what} before it started, so it has expired. Nothing was taken from your balance.`,
      };
    case 'leave_withdrawn':
      return {
        subject: 'Your leave request is withdrawn',
        text: `Your request for ${what} is withdrawn; any reserved days are back in your balance.`,
      };
    case 'leave_deducted':
      return {
        subject: 'Negative leave balance deducted',
        text: `${daysIn(d.days)} taken beyond your balance have been deducted from your allowance for the leave year ${String(d.leaveYear)}.`,
      };
    case 'leave_paycheck_deduction':
      return {
        subject: 'Leave taken beyond your balance',
        text: `${daysIn(d.days)} taken beyond your balance will be deducted from your final paycheck: ${typeof d.amount === 'number' ? formatMoney(d.amount, payrollCurrency) : '?'} at your daily rate.`,
      };
  }
}

export function leaveSupportAlertContent(alert: LeaveSupportAlert): { subject: string; text: string } {
  const headline = alert.kind.replace(/_/g, ' ');
  return {
    subject: `[${headline}] leave request ${alert.requestId} (${alert.employeeId})`,
    text: `${alert.message}\n\nDetails: ${JSON.stringify(alert.data ?? {})}`,
  };
}
