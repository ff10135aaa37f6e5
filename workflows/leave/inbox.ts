/**
 * What a leave request hears: its query, the manager's decisions (updates that wait for their
 * outcome, signals for when no worker answered in time), the employee's withdrawal and a
 * termination. The handlers only take the messages in; the main story (workflow.ts) acts on them.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { decideApproval, type ChainMember, type LeaveRequest, type LeaveView } from '../../domain/leave';
import { refusal } from '../refusal';
import {
  approveLeaveSignal,
  approveLeaveUpdate,
  employeeTerminatedSignal,
  leaveStatusQuery,
  leaveSubmittedUpdate,
  rejectLeaveSignal,
  rejectLeaveUpdate,
  withdrawLeaveSignal,
  type EmployeeTermination,
  type LeaveDecision,
  type LeaveWithdrawal,
} from './messages';

/** The messages the request has heard and not yet acted on. */
export interface Inbox {
  decisions: LeaveDecision[];
  /** What became of each decision, by its place in `decisions`: set once the ledger answered. */
  outcomes: ({ approved: true } | { approved: false; reason: string; message: string })[];
  rejection?: LeaveDecision;
  withdrawal?: LeaveWithdrawal;
  termination?: EmployeeTermination;
  /** The manager chain with ranks, from the ledger: what the approve update's validator checks. */
  chain?: ChainMember[];
}

/**
 * The request's handlers, set before anything else so no message that arrives with the start is
 * lost. Decisions are acted on by the main story; the updates wait for their outcome and answer
 * with the request as it then stands.
 */
export function listen(view: LeaveView, inbox: Inbox, request: LeaveRequest): void {
  const startsAt = Date.parse(`${request.startDate}T00:00:00.000Z`);
  setHandler(leaveStatusQuery, () => view);
  setHandler(leaveSubmittedUpdate, async () => {
    await condition(() => view.status !== undefined);
    return view;
  });
  setHandler(approveLeaveSignal, (decision) => {
    if (view.status === 'PendingApproval') inbox.decisions.push(decision);
  });
  setHandler(rejectLeaveSignal, (decision) => {
    if (view.status === 'PendingApproval' && !inbox.rejection) inbox.rejection = decision;
  });
  setHandler(withdrawLeaveSignal, (request) => {
    const open = view.status === 'PendingApproval' || view.status === 'Approved';
    if (!inbox.withdrawal && open && Date.now() < startsAt) inbox.withdrawal = request;
  });
  setHandler(employeeTerminatedSignal, (notice) => {
    inbox.termination ??= notice;
  });
  setHandler(
    approveLeaveUpdate,
    async (decision) => {
      const index = inbox.decisions.push(decision) - 1;
      // Answered once the ledger has refused it, or once the request has moved on (approved by it).
      await condition(() => {
        const outcome = inbox.outcomes[index];
        return outcome?.approved === false || view.status !== 'PendingApproval';
      });
      const outcome = inbox.outcomes[index];
      if (outcome && !outcome.approved) {
        throw refusal('forbidden', outcome.message, { reason: outcome.reason, status: view.status });
      }
      if (!outcome) throw notPending(view);
      return view;
    },
    { validator: (decision: LeaveDecision) => mayDecide(view, inbox.chain, decision, 'approve') },
  );
  setHandler(
    rejectLeaveUpdate,
    async (decision) => {
      inbox.rejection ??= decision;
      await condition(() => view.status !== 'PendingApproval');
      if (view.status !== 'Rejected') throw notPending(view);
      return view;
    },
    { validator: (decision: LeaveDecision) => mayDecide(view, inbox.chain, decision, 'reject') },
  );
}

/** The approve and reject updates' validator: refuses, with nothing recorded, what cannot be taken. */
function mayDecide(
  view: LeaveView,
  chain: ChainMember[] | undefined,
  decision: LeaveDecision,
  act: 'approve' | 'reject',
): void {
  if (view.status !== 'PendingApproval') throw notPending(view);
  if (!chain) return; // requests submitted before the chain was kept: the ledger alone decides
  const inChain = chain.find((member) => member.id === decision.approverId);
  if (act === 'reject' && inChain) return;
  const checked = decideApproval({
    approver: inChain ?? { id: decision.approverId, rank: 'manager' },
    chain,
    balance: view.balanceBefore ?? 0,
    days: view.days,
  });
  if (act === 'reject' || !checked.allowed) {
    const reason = checked.allowed ? 'not_in_chain' : checked.reason;
    const message = checked.allowed
      ? `${decision.approverId} is not in ${view.employeeId}'s manager chain`
      : checked.message;
    throw refusal('forbidden', message, { reason, status: view.status });
  }
}

function notPending(view: LeaveView): ApplicationFailure {
  return refusal(
    'conflict',
    view.status
      ? `leave request ${view.requestId} is ${view.status}: it waits for no decision`
      : `leave request ${view.requestId} is still being checked against the balance; try again in a moment`,
    { reason: 'not_pending', status: view.status ?? 'Submitted' },
  );
}
