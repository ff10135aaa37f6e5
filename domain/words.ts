/**
 * Numbers, money and statuses as people read them, written once for every reader: the back office,
 * the timelines the API answers and the emails. Pure: the workflows, the API and the browser bundle
 * all import it.
 */

/** "1 line", "3 lines", "1 reply", "2 replies": the count and the word in its number. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A number with the typographic minus sign (−), as in "−4 days". */
export function signed(value: number, digits?: number): string {
  const text = digits === undefined ? String(Math.abs(value)) : Math.abs(value).toFixed(digits);
  return `${value < 0 ? '−' : ''}${text}`;
}

/** "25 days", "0.5 days", "1 day", "−4 days". */
export function formatDays(days: number): string {
  const text = Number.isInteger(days) ? signed(days) : signed(days, 1);
  return `${text} ${Math.abs(days) === 1 ? 'day' : 'days'}`;
}

/**
 * "€89.99", "US$12.00", "JP¥1,234", from minor units and a lowercase ISO 4217 code: a currency's
 * minor units are as many as its decimals (the yen has none).
 */
export function formatMoney(minorUnits: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat('en-GB', { style: 'currency', currency: currency.toUpperCase() });
    const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minorUnits / 10 ** decimals).replace('-', '−');
  } catch {
    return `${signed(minorUnits / 100, 2)} ${currency.toUpperCase()}`;
  }
}

const STATUS_WORDS: Record<string, string> = {
  Received: 'Received (remorse window open)',
  Authorized: 'Authorized by a manager',
  Accepted: 'Accepted',
  Rejected: 'Rejected',
  PaymentFailed: 'Payment declined',
  PaymentUnconfirmed: 'Payment not confirmed',
  Paid: 'Paid',
  Shipped: 'Shipped',
  Cancelled: 'Cancelled',
  Refunded: 'Refunded',
  PartiallyRefunded: 'Partly refunded',
  Completed: 'Completed',
  Submitted: 'Submitted',
  PendingApproval: 'Waiting for approval',
  Approved: 'Approved',
  Expired: 'Expired',
  Withdrawn: 'Withdrawn',
  PendingConfirmation: 'Waiting for the customer to open the link',
  Confirmed: 'Confirmed: a customer',
  Lapsed: 'Lapsed: not confirmed in time',
};

/** A status of any process, in words: "Payment declined" for `PaymentFailed`. */
export function statusWords(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

/** "1 March 2027", from `YYYY-MM-DD` (the day as written, whatever the reader's zone). */
export function formatDate(isoDate: string): string {
  const d = new Date(`${isoDate.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return isoDate;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** "2 December 2026, 17:31 UTC": a moment in words, in UTC (the timeline's reader may be anywhere). */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = d.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${day}, ${time} UTC`;
}
