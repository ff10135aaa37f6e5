/** The words of each leave email, kept apart from sending so they can be read and tested on their own. */
import type { LeaveEmail, LeaveSupportAlert } from './types';

export function leaveEmailContent(email: LeaveEmail): { subject: string; text: string } {
  const d = email.data;
  const what = `${String(d.days)} day(s) of leave from ${String(d.startDate)}`;
  const who = String(d.employeeName ?? d.employeeId);
  switch (email.kind) {
    case 'leave_approval_requested':
      return {
        subject: `Leave to approve: ${who}, ${what}`,
        text: `${who} asks for ${what}, beyond their balance of ${String(d.balanceBefore)} day(s). Approve or reject with POST /leave-requests/${email.requestId}/approve or /reject before the leave starts; without a decision it expires.`,
      };
    case 'leave_approval_reminder':
      return {
        subject: `Reminder: leave to approve for ${who}`,
        text: `${who}'s request for ${what} still waits for a decision. Without one by ${String(d.startDate)} it expires.`,
      };
    case 'leave_approval_escalated':
      return {
        subject: `Leave waiting on your team: ${who}, ${what}`,
        text: `${who}'s request for ${what} has waited for ${String(d.askedOf)} through ${String(d.reminders)} reminder(s). As the next manager up you may approve or reject it with POST /leave-requests/${email.requestId}/approve or /reject; without a decision by ${String(d.startDate)} it expires.`,
      };
    case 'leave_approved':
      return {
        subject: `Your leave from ${String(d.startDate)} is approved`,
        text: `Your ${what} is approved. Your balance is now ${String(d.balanceAfter)} day(s).${
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
        text: `${String(d.days)} day(s) taken beyond your balance have been deducted from your allowance for the leave year ${String(d.leaveYear)}.`,
      };
    case 'leave_paycheck_deduction':
      return {
        subject: 'Leave taken beyond your balance',
        text: `${String(d.days)} day(s) taken beyond your balance will be deducted from your final paycheck: ${typeof d.amount === 'number' ? (d.amount / 100).toFixed(2) : '?'} at your daily rate.`,
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
