/**
 * The back office's one door to the server: the public API (docs/api.md), called with the session
 * cookie and the session's CSRF token. Every answer is typed by the contract's zod schemas
 * (api/contract.ts), so a renamed field breaks this build, not a page. Errors become sentences.
 */
import type {
  BatchAnswer,
  BatchBody,
  BulkActionAnswer,
  BulkActionBody,
  EmployeeAnswer,
  LeaveBalanceAnswer,
  LeaveList,
  LeaveRequestAnswer,
  LeaveTimeline,
  OrderAnswer,
  OrderList,
  OrderListQuery,
  OrderTimeline,
  PasswordResetList,
  RegistrationAnswer,
  RegistrationList,
  SessionAnswer,
  SignOutAnswer,
} from '../../api/contract';

export type {
  BatchAnswer,
  BulkActionAnswer,
  BulkActionBody,
  EmployeeAnswer,
  LeaveBalanceAnswer,
  LeaveList,
  LeaveRequestAnswer,
  OrderAnswer,
  OrderList,
  RegistrationAnswer,
  SessionAnswer,
};
export type OrderListItem = OrderList['orders'][number];
export type LeaveListItem = LeaveList['leaveRequests'][number];
export type TimelineEvent = OrderTimeline['events'][number];

let csrfToken = '';

/** The server's sign-in, asked to come back to the page the person is on. */
/** Set in a tab that signed out: the page it comes back to says so rather than signing in again. */
export const SIGNED_OUT_KEY = 'signed-out';

export function signInUrl(): string {
  const here = `${window.location.pathname}${window.location.search}${window.location.hash}`;
  return `/session/sign-in?returnTo=${encodeURIComponent(here)}`;
}

/** A session that ended (expired, or signed out in another tab): through sign-in and back here. */
function signInAgain(): void {
  window.location.assign(signInUrl());
}
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** A refused or failed call, with what to tell the person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const first = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

function explain(status: number, body: unknown): string {
  const error = typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined;
  const said = typeof error === 'object' && error !== null && 'message' in error ? error.message : undefined;
  const message = typeof said === 'string' ? said : '';
  switch (status) {
    case 401:
      return 'You are not signed in (or your session has ended). Sign in again.';
    case 403:
      return `Not allowed: ${sentence(message || 'your role may not do this')}`;
    case 404:
      return sentence(message || 'Not found');
    case 409:
      return `Not possible now: ${sentence(message)}`;
    case 429:
      return `Not yet: ${sentence(message)}`;
    case 503:
      return 'The workflow service cannot be reached right now. Try again in a moment.';
    default:
      if (status >= 500)
        return 'Something went wrong on the server. Try again; if it persists, tell the on-call engineer.';
      return sentence(message || `The request was refused (${status})`);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method === 'POST' ? { 'x-csrf-token': csrfToken } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached. Check your connection and try again.');
  }
  if (response.status === 401 && path !== '/session') signInAgain();
  if (response.status === 204) return undefined as T;
  let data: unknown;
  try {
    data = await response.json();
  } catch {
    data = undefined;
  }
  if (!response.ok) throw new ApiError(response.status, explain(response.status, data));
  return data as T;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

const id = encodeURIComponent;

export const api = {
  session: () => call<SessionAnswer>('GET', '/session'),
  signOut: () => call<SignOutAnswer>('POST', '/session/sign-out'),

  orders: (params: Partial<Record<keyof OrderListQuery, string | number>>) =>
    call<OrderList>('GET', `/orders${query(params)}`),
  order: (orderId: string) => call<OrderAnswer>('GET', `/orders/${id(orderId)}`),
  orderTimeline: (orderId: string) => call<OrderTimeline>('GET', `/orders/${id(orderId)}/timeline`),
  batch: (body: BatchBody) => call<BatchAnswer>('POST', '/orders/batch', body),
  bulkPreview: (body: BulkActionBody) => call<{ matched: number }>('POST', '/bulk-actions/preview', body),
  startBulk: (body: BulkActionBody) => call<{ bulkActionId: string }>('POST', '/bulk-actions', body),
  bulkActions: () => call<{ bulkActions: BulkActionAnswer[] }>('GET', `/bulk-actions${query({ limit: 5 })}`),
  bulkAction: (bulkActionId: string) => call<BulkActionAnswer>('GET', `/bulk-actions/${id(bulkActionId)}`),
  bulkCommand: (bulkActionId: string, command: 'pause' | 'resume' | 'stop') =>
    call<BulkActionAnswer>('POST', `/bulk-actions/${id(bulkActionId)}/${command}`),
  cancel: (orderId: string, reason?: string) =>
    call<OrderAnswer>('POST', `/orders/${id(orderId)}/cancel`, reason ? { reason } : {}),
  retryPayment: (orderId: string, paymentMethod: string) =>
    call<OrderAnswer>('POST', `/orders/${id(orderId)}/payment-retry`, { paymentMethod }),
  authorize: (orderId: string, approved: boolean, note?: string) =>
    call<OrderAnswer>('POST', `/orders/${id(orderId)}/authorizations`, {
      approved,
      ...(note ? { note } : {}),
    }),
  ship: (orderId: string, trackingNumber?: string) =>
    call<OrderAnswer>('POST', `/orders/${id(orderId)}/shipment`, trackingNumber ? { trackingNumber } : {}),
  recordReturn: (orderId: string, originalPackaging: boolean) =>
    call<OrderAnswer>('POST', `/orders/${id(orderId)}/return`, { originalPackaging }),

  leaveAwaitingMe: (cursor?: string) =>
    call<LeaveList>('GET', `/leave-requests${query({ awaiting: 'me', cursor })}`),
  leaveOf: (employeeId: string, cursor?: string) =>
    call<LeaveList>('GET', `/leave-requests${query({ employeeId, cursor })}`),
  leaveTimeline: (requestId: string) =>
    call<LeaveTimeline>('GET', `/leave-requests/${id(requestId)}/timeline`),
  requestLeave: (body: { days: number; startDate: string; note?: string }, idempotencyKey: string) =>
    fetchWithKey(body, idempotencyKey),
  approveLeave: (requestId: string, note?: string) =>
    call<LeaveRequestAnswer>('POST', `/leave-requests/${id(requestId)}/approve`, note ? { note } : {}),
  rejectLeave: (requestId: string, note?: string) =>
    call<LeaveRequestAnswer>('POST', `/leave-requests/${id(requestId)}/reject`, note ? { note } : {}),
  withdrawLeave: (requestId: string) =>
    call<LeaveRequestAnswer>('POST', `/leave-requests/${id(requestId)}/withdraw`),
  balance: (employeeId: string, leaveYear?: number) =>
    call<LeaveBalanceAnswer>('GET', `/employees/${id(employeeId)}/leave-balance${query({ leaveYear })}`),
  employees: () =>
    call<{ leaveYear?: number; payrollCurrency?: string; employees: EmployeeAnswer[] }>('GET', '/employees'),
  terminate: (employeeId: string, lastDay: string) =>
    call<{ employeeId: string; lastDay: string }>('POST', `/employees/${id(employeeId)}/termination`, {
      lastDay,
    }),

  registrationsOf: (email: string) => call<RegistrationList>('GET', `/registrations${query({ email })}`),
  passwordResetsOf: (email: string) => call<PasswordResetList>('GET', `/password-resets${query({ email })}`),
  registration: (registrationId: string) =>
    call<RegistrationAnswer>('GET', `/registrations/${id(registrationId)}`),
  resendLink: (registrationId: string) =>
    call<RegistrationAnswer>('POST', `/registrations/${id(registrationId)}/resend`, {}),
};

/** Placing leave carries an Idempotency-Key, so a double click or a retry after a lost answer is one request. */
async function fetchWithKey(
  body: { days: number; startDate: string; note?: string },
  key: string,
): Promise<LeaveRequestAnswer> {
  let response: Response;
  try {
    response = await fetch('/leave-requests', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, 'idempotency-key': key },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached. Check your connection and try again.');
  }
  const data: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, explain(response.status, data));
  return data as LeaveRequestAnswer;
}
