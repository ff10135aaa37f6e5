/** HR: everyone's balance (below zero stands out), and terminations with what the final paycheck loses. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type EmployeeAnswer } from '../api';
import { Done, Empty, ErrorNote, Loading, Section } from '../components';
import { amount, date, days } from '../format';

/** The paycheck's loss if the employment ended with today's balance (the last day's leave stands). */
function paycheckLoss(employee: EmployeeAnswer): string {
  if (employee.balance >= 0) return `Nothing: the balance is ${days(employee.balance)}.`;
  const loss = Math.round(-employee.balance * (employee.dailyRate ?? 0));
  return `${amount(loss)} (${days(-employee.balance)} below zero × ${amount(employee.dailyRate ?? 0)} a day), less any leave after the last day that is withdrawn.`;
}

export function HrPage() {
  const list = useQuery({ queryKey: ['employees'], queryFn: api.employees, refetchInterval: 5000 });
  return (
    <main id="main" className="page">
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

function EmployeeCard({ employee, managerName }: { employee: EmployeeAnswer; managerName?: string }) {
  const queries = useQueryClient();
  const [lastDay, setLastDay] = useState('');
  const [open, setOpen] = useState(false);
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
        {employee.lastDay ? null : (
          <>
            <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
              {open ? 'Close' : 'Record a termination'}
            </button>
            {open ? (
              <form
                className="action"
                onSubmit={(e: FormEvent) => {
                  e.preventDefault();
                  terminate.mutate();
                }}
              >
                <label htmlFor={field}>Last day</label>
                <input
                  id={field}
                  type="date"
                  required
                  value={lastDay}
                  onChange={(e) => setLastDay(e.target.value)}
                />
                <p className="preview">The final paycheck loses: {paycheckLoss(employee)}</p>
                <button type="submit" className="danger" disabled={terminate.isPending || !lastDay}>
                  Record the termination
                </button>
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
