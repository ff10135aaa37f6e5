/**
 * An employee's leave: the balance of this and next leave year with the ledger in words, a request
 * form that previews the balance after and whose approval it needs, and their requests.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { api, type LeaveBalanceAnswer, type LeaveListItem, type SessionAnswer } from '../api';
import {
  ConfirmButton,
  Done,
  LedgerTable,
  ErrorNote,
  Loading,
  PagedCards,
  Section,
  Timeline,
} from '../components';
import { leaveStartRefusal } from '../../../domain/leave';
import { date, days, statusWords } from '../format';
import { usePaged } from '../paged';

export function EmployeePage({ session }: { session: SessionAnswer }) {
  const me = session.sub;
  const thisYear = useQuery({
    queryKey: ['balance', me],
    queryFn: () => api.balance(me),
    refetchInterval: 5000,
  });
  const year = thisYear.data?.leaveYear;
  const nextYear = useQuery({
    queryKey: ['balance', me, (year ?? 0) + 1],
    queryFn: () => api.balance(me, year! + 1),
    enabled: year !== undefined,
    refetchInterval: 5000,
  });
  return (
    <main id="main" className="page" tabIndex={-1}>
      <h1>My leave</h1>
      <div className="balances">
        <BalanceCard label="This leave year" query={thisYear} />
        <BalanceCard label="Next leave year" query={nextYear} />
      </div>
      <RequestForm me={me} thisYear={thisYear.data} nextYear={nextYear.data} />
      <MyRequests me={me} />
      {thisYear.data?.entries ? <Ledger balance={thisYear.data} /> : null}
    </main>
  );
}

function BalanceCard({
  label,
  query,
}: {
  label: string;
  query: { data?: LeaveBalanceAnswer; error: unknown; isPending: boolean };
}) {
  return (
    <section className="card balance" aria-label={label}>
      <h2>{label}</h2>
      {query.isPending ? <Loading what="the balance" /> : null}
      <ErrorNote error={query.error} what="The balance could not be loaded" />
      {query.data ? (
        <>
          <p className={`big${query.data.balance < 0 ? ' negative' : ''}`}>{days(query.data.balance)} left</p>
          <p className="muted">
            {query.data.leaveYear}: {days(query.data.allowance ?? 0)} allowance
            {query.data.owedFromEarlierYears
              ? `, ${days(query.data.owedFromEarlierYears)} owed from the year before`
              : ''}
          </p>
        </>
      ) : null}
    </section>
  );
}

/** What a request will meet: approved at once, or whose approval it needs (docs/processes.md, "Annual leave"). */
function preview(
  balance: LeaveBalanceAnswer | undefined,
  requested: number,
  start: string,
  thisYear: number | undefined,
): string | undefined {
  if (!balance || !(requested > 0)) return undefined;
  // A day the server refuses is said first: nothing is promised for it. (A day's leave year is read
  // as its calendar year here; the server, which knows LEAVE_YEAR_START, has the last word.)
  const today = new Date().toISOString().slice(0, 10);
  const refused = start
    ? leaveStartRefusal(start, today, Number(start.slice(0, 4)), thisYear ?? balance.leaveYear)
    : undefined;
  if (refused) return `Not possible: ${refused.message} (${refused.detail}).`;
  const after = balance.balance - requested;
  if (after >= 0) return `Balance after: ${days(after)}. Within your balance: approved at once.`;
  const approver = balance.approvers?.find((a) => after >= a.lowestBalance && a.rank !== 'employee');
  if (!approver) {
    return `Balance after: ${days(after)}. Beyond what anyone in your chain may approve; the request would wait and expire.`;
  }
  const rank = approver.rank === 'vp' ? 'VP' : 'manager';
  return `Balance after: ${days(after)}. Beyond your balance: it needs the approval of ${approver.name} (${rank}, who may allow down to ${days(approver.lowestBalance)}).`;
}

function RequestForm({
  me,
  thisYear,
  nextYear,
}: {
  me: string;
  thisYear?: LeaveBalanceAnswer;
  nextYear?: LeaveBalanceAnswer;
}) {
  const queries = useQueryClient();
  const [count, setCount] = useState('1');
  const [start, setStart] = useState('');
  const [note, setNote] = useState('');
  // One key per filled-in form: a double click or a retry is the same request.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const requested = Number(count);
  const balance = useMemo(() => {
    if (!start || !thisYear || !nextYear) return thisYear;
    return start.slice(0, 4) === String(nextYear.leaveYear) ? nextYear : thisYear;
  }, [start, thisYear, nextYear]);
  const send = useMutation({
    mutationFn: () =>
      api.requestLeave(
        { days: requested, startDate: start, ...(note.trim() ? { note: note.trim() } : {}) },
        key,
      ),
    onSuccess: async () => {
      // A fresh form for the next request; the answer stays shown below it.
      setKey(crypto.randomUUID());
      setCount('1');
      setStart('');
      setNote('');
      await queries.invalidateQueries({ queryKey: ['leave'] });
      await queries.invalidateQueries({ queryKey: ['balance', me] });
    },
  });
  function submit(event: FormEvent): void {
    event.preventDefault();
    send.mutate();
  }
  const said = preview(balance, requested, start, thisYear?.leaveYear);
  return (
    <Section title="Ask for leave" id="ask-title">
      <form className="action grid" onSubmit={submit} aria-describedby="leave-preview">
        <label>
          Days (halves allowed)
          <input
            type="number"
            min="0.5"
            step="0.5"
            required
            value={count}
            onChange={(e) => {
              setCount(e.target.value);
              send.reset();
            }}
          />
        </label>
        <label>
          First day
          <input
            type="date"
            required
            value={start}
            onChange={(e) => {
              setStart(e.target.value);
              send.reset();
            }}
          />
        </label>
        <label className="wide">
          Note (optional)
          <input value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
        <p id="leave-preview" className="preview" aria-live="polite">
          {said ?? 'Enter the days to see your balance after.'}
        </p>
        <button type="submit" disabled={send.isPending}>
          Send the request
        </button>
      </form>
      <ErrorNote error={send.error} what="The request was not sent" />
      {send.data ? (
        <Done>
          Sent: {days(send.data.days)} from {date(send.data.startDate ?? start)} —{' '}
          {statusWords(send.data.status)}.
        </Done>
      ) : null}
    </Section>
  );
}

function MyRequests({ me }: { me: string }) {
  const list = usePaged(
    ['leave', 'mine', me],
    (cursor) => api.leaveOf(me, cursor),
    (page) => page.leaveRequests,
  );
  return (
    <Section title="My requests" id="mine-title">
      <PagedCards
        list={list}
        what="your requests"
        failed="Your requests could not be loaded"
        empty="You have not asked for leave yet."
        label="My requests"
        card={(r) => <RequestCard key={r.requestId} request={r} me={me} />}
      />
    </Section>
  );
}

function RequestCard({ request, me }: { request: LeaveListItem; me: string }) {
  const queries = useQueryClient();
  const [open, setOpen] = useState(false);
  const timeline = useQuery({
    queryKey: ['leave', 'timeline', request.requestId],
    queryFn: () => api.leaveTimeline(request.requestId),
    enabled: open,
  });
  const withdraw = useMutation({
    mutationFn: () => api.withdrawLeave(request.requestId),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ['leave'] });
      await queries.invalidateQueries({ queryKey: ['balance', me] });
    },
  });
  const today = new Date().toISOString().slice(0, 10);
  const withdrawable =
    ['Submitted', 'PendingApproval', 'Approved'].includes(request.status) && request.startDate > today;
  return (
    <li className="card">
      <div className="card-body">
        <p className="card-title">
          <span>
            {days(request.days)} from {date(request.startDate)}
          </span>
          <span className={`status s-${request.status}`}>{statusWords(request.status)}</span>
        </p>
        {request.note ? <p className="muted">“{request.note}”</p> : null}
        <div className="row">
          <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide what happened' : 'What happened'}
          </button>
          {withdrawable ? (
            <ConfirmButton
              label="Withdraw"
              question={`Withdraw your ${days(request.days)} from ${date(request.startDate)}? The days go back to your balance.`}
              yes="Yes, withdraw"
              disabled={withdraw.isPending}
              onConfirm={() => withdraw.mutate()}
            />
          ) : null}
        </div>
        <ErrorNote error={withdraw.error} what="Not withdrawn" />
        {open && timeline.isPending ? <Loading what="the timeline" /> : null}
        {open && timeline.data ? (
          <Timeline events={timeline.data.events} label="What happened to this request" />
        ) : null}
      </div>
    </li>
  );
}

function Ledger({ balance }: { balance: LeaveBalanceAnswer }) {
  return (
    <Section title="My leave ledger" id="ledger-title">
      <LedgerTable entries={balance.entries ?? []} caption="Every change to your balance, newest first" />
    </Section>
  );
}
