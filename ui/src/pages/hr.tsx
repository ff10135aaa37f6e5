/** HR: everyone's balance (below zero stands out), and terminations with what the final paycheck loses. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type EmployeeAnswer } from '../api';
import { ConfirmButton, Done, Empty, ErrorNote, LedgerTable, Loading, Section } from '../components';
import { date, days, money } from '../format';

/**
 * What the final paycheck loses if the employment ends on `lastDay`: the balance below zero, less
 * the approved leave that starts after the last day (it is withdrawn, its days come back), at the
 * employee's daily rate, in the payroll's currency.
 */
export function paycheckLoss(
  employee: EmployeeAnswer,
  currency: string,
  lastDay: string,
  requests: readonly { startDate: string; days: number; status: string }[],
): string {
  const after = lastDay
    ? requests
        .filter((r) => r.status === 'Approved' && r.startDate > lastDay)
        .reduce((sum, r) => sum + r.days, 0)
    : 0;
  const balance = employee.balance + after;
  const givenBack = after > 0 ? ` (${days(after)} of leave after the last day given back)` : '';
  if (balance >= 0)
    return `The final paycheck loses nothing: the balance would be ${days(balance)}${givenBack}.`;
  const rate = employee.dailyRate ?? 0;
  const loss = Math.round(-balance * rate);
  return `The final paycheck loses ${money(loss, currency)}: ${days(-balance)} below zero × ${money(rate, currency)} a day${givenBack}.`;
}

/** This leave year's balance and the next's (leave taken ahead counts there), and the ledger of both. */
function LeaveYears({ employee }: { employee: EmployeeAnswer }) {
  const [open, setOpen] = useState(false);
  const thisYear = useQuery({
    queryKey: ['balance', employee.id, 'this'],
    queryFn: () => api.balance(employee.id),
    enabled: open,
  });
  const year = thisYear.data?.leaveYear;
  const nextYear = useQuery({
    queryKey: ['balance', employee.id, year === undefined ? 'next' : year + 1],
    queryFn: () => api.balance(employee.id, year! + 1),
    enabled: open && year !== undefined,
  });
  const years = [thisYear.data, nextYear.data].filter((b) => b !== undefined);
  return (
    <>
      <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide the leave years' : 'Leave years and ledger'}
      </button>
      {open ? (
        <div className="years">
          {thisYear.isPending ? <Loading what="the balances" /> : null}
          <ErrorNote error={thisYear.error ?? nextYear.error} what="The balances could not be loaded" />
          <p aria-label={`Balances of ${employee.name}`}>
            {years.map((b, i) => (
              <span key={b.leaveYear} className={b.balance < 0 ? 'negative' : ''}>
                {i > 0 ? ' · ' : ''}
                {b.leaveYear}: {days(b.balance)}
              </span>
            ))}
          </p>
          {nextYear.data ? (
            <LedgerTable
              entries={[...(thisYear.data?.entries ?? []), ...(nextYear.data.entries ?? [])]
                .filter(
                  (e, i, all) =>
                    all.findIndex(
                      (x) => x.at === e.at && x.kind === e.kind && x.leaveYear === e.leaveYear,
                    ) === i,
                )
                .sort((a, b) => a.at.localeCompare(b.at))}
              caption={`Every change to ${employee.name}'s balances, newest first`}
            />
          ) : null}
        </div>
      ) : null}
    </>
  );
}

export function HrPage() {
  const list = useQuery({ queryKey: ['employees'], queryFn: api.employees, refetchInterval: 5000 });
  return (
    <main id="main" className="page" tabIndex={-1}>
      <h1>Employees and their leave</h1>
      <Section
        title={`Balances${list.data?.leaveYear ? ` for ${list.data.leaveYear}` : ''}`}
        id="people-title"
      >
        {list.isPending ? <Loading what="employees" /> : null}
        <ErrorNote error={list.error} what="The employees could not be loaded" />
        {list.data && list.data.employees.length === 0 ? <Empty>No employees on record.</Empty> : null}
        <ul className="cards" aria-label="Employees">
          {list.data?.employees.map((e) => (
            <EmployeeCard
              key={e.id}
              employee={e}
              currency={list.data.payrollCurrency ?? 'eur'}
              managerName={
                list.data.employees.find((m) => m.id === e.managerId)?.name ?? e.managerId ?? undefined
              }
            />
          ))}
        </ul>
      </Section>
    </main>
  );
}

function EmployeeCard({
  employee,
  managerName,
  currency,
}: {
  employee: EmployeeAnswer;
  managerName?: string;
  currency: string;
}) {
  const queries = useQueryClient();
  const [lastDay, setLastDay] = useState('');
  const [open, setOpen] = useState(false);
  // Their requests, for the leave after the last day that a termination gives back (the first page,
  // newest first: the requests still ahead).
  const requests = useQuery({
    queryKey: ['leave', 'of', employee.id],
    queryFn: () => api.leaveOf(employee.id),
    enabled: open,
  });
  const terminate = useMutation({
    mutationFn: () => api.terminate(employee.id, lastDay),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['employees'] }),
  });
  const negative = employee.balance < 0;
  const field = `last-day-${employee.id}`;
  return (
    <li className={`card${negative ? ' alert' : ''}`}>
      <div className="card-body">
        <p className="card-title">
          <span>
            {employee.name} <span className="muted">({employee.rank === 'vp' ? 'VP' : employee.rank})</span>
          </span>
          <span className={negative ? 'negative big-inline' : 'big-inline'}>
            {days(employee.balance)}
            {negative ? ' — below zero' : ''}
          </span>
        </p>
        <p className="muted">
          {managerName ? `Reports to ${managerName}` : 'Reports to no one'}
          {employee.lastDay ? ` · last day ${date(employee.lastDay)}` : ''}
        </p>
        <LeaveYears employee={employee} />
        {employee.lastDay ? null : (
          <>
            <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
              {open ? 'Close' : 'Record a termination'}
            </button>
            {open ? (
              <form
                className="action"
                // Enter in the date field does not record it: the button below asks first.
                onSubmit={(e: FormEvent) => e.preventDefault()}
              >
                <label htmlFor={field}>Last day</label>
                <input
                  id={field}
                  type="date"
                  required
                  value={lastDay}
                  onChange={(e) => setLastDay(e.target.value)}
                />
                <p className="preview">
                  {paycheckLoss(employee, currency, lastDay, requests.data?.leaveRequests ?? [])}
                </p>
                <ConfirmButton
                  label="Record the termination"
                  question={`Record ${employee.name}'s last day as ${lastDay ? date(lastDay) : '…'}? It cannot be undone here.`}
                  yes="Yes, record it"
                  disabled={terminate.isPending || !lastDay}
                  onConfirm={() => terminate.mutate()}
                />
              </form>
            ) : null}
          </>
        )}
        <ErrorNote error={terminate.error} what="The termination was not recorded" />
        {terminate.isSuccess ? <Done>Termination recorded; last day {date(lastDay)}.</Done> : null}
      </div>
    </li>
  );
}
