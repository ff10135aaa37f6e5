/**
 * Support's look at customers' registrations: found by the address the customer gives on the
 * phone (or a registration id from an alert), each with where it stands, when its link stops
 * working, and a fresh link when the customer lost the email (the old link then stops working).
 * An address may have several sign-ups pending (each its own registration; anyone may sign up
 * with any address): the one confirmed first wins. A lapsed one keeps nothing personal, so it is
 * found by its id only, without a name or address.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type RegistrationAnswer } from '../api';
import { Done, Empty, ErrorNote, Loading, Section, Timeline } from '../components';
import { plural, relative, statusWords, useNow, when } from '../format';
import { REFRESH_MS } from '../paged';

const REGISTRATION_ID = /^reg_[A-Za-z0-9]+$/;

export function RegistrationsPage({ asked }: { asked?: string }) {
  const [text, setText] = useState(asked ?? '');
  const search = asked?.trim();
  const found = useQuery({
    queryKey: ['registrations', search],
    queryFn: async () =>
      REGISTRATION_ID.test(search!)
        ? { registrations: [await api.registration(search!)] }
        : api.registrationsOf(search!),
    enabled: !!search,
    refetchInterval: REFRESH_MS,
  });
  function submit(event: FormEvent): void {
    event.preventDefault();
    window.location.hash = `#/registrations/${encodeURIComponent(text.trim())}`;
  }
  return (
    <main id="main" className="page" tabIndex={-1}>
      <h1>Customer registrations</h1>
      <Section title="Find a registration" id="find-title">
        <form className="search" onSubmit={submit} role="search" aria-labelledby="find-title">
          <label>
            Email address or registration id
            <input
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder="ada@example.com or reg_…"
              required
            />
          </label>
          <button type="submit">Find</button>
        </form>
        <p className="hint">
          A customer who lost the confirmation email gets a fresh link here; the old one stops working. Each
          sign-up is listed on its own: the link confirms only with the password chosen at that sign-up.
        </p>
      </Section>
      {search ? (
        <Section title={`Registrations for ${search}`} id="found-title">
          <div aria-live="polite">
            {found.isPending ? <Loading what="registrations" /> : null}
            <ErrorNote error={found.error} what="The search failed" />
            {found.data && found.data.registrations.length === 0 ? (
              <Empty>No registration for this address. The customer may register on the storefront.</Empty>
            ) : null}
            {found.data && found.data.registrations.length > 0 ? (
              <ul className="cards" aria-label="Registrations">
                {found.data.registrations.map((r) => (
                  <RegistrationCard key={r.registrationId} registration={r} />
                ))}
              </ul>
            ) : null}
          </div>
        </Section>
      ) : null}
      {search && !REGISTRATION_ID.test(search) ? <PasswordResets email={search} /> : null}
    </main>
  );
}

/** The customer's forgotten-password asks: where each stands, and what happened (never a link or a password). */
function PasswordResets({ email }: { email: string }) {
  const resets = useQuery({
    queryKey: ['password-resets', email],
    queryFn: () => api.passwordResetsOf(email),
    refetchInterval: REFRESH_MS,
  });
  return (
    <Section title={`Password resets for ${email}`} id="resets-title">
      <div aria-live="polite">
        {resets.isPending ? <Loading what="password resets" /> : null}
        <ErrorNote error={resets.error} what="The password resets could not be read" />
        {resets.data && resets.data.passwordResets.length === 0 ? (
          <Empty>
            No password reset for this address. A customer who forgot theirs asks on the sign-in page
            (&ldquo;Forgot your password?&rdquo;); only the newest emailed link works.
          </Empty>
        ) : null}
        {resets.data && resets.data.passwordResets.length > 0 ? (
          <ul className="cards" aria-label="Password resets">
            {resets.data.passwordResets.map((r) => (
              <li className="card" key={r.resetId}>
                <div className="card-body">
                  <p className="card-title">
                    <span>Asked {when(r.requestedAt)}</span>
                    <span className={`badge status-${r.status}`}>{RESET_WORDS[r.status]}</span>
                  </p>
                  {r.status === 'PendingReset' && r.expiresAt ? (
                    <p className="deadline">Its link works until {when(r.expiresAt)}.</p>
                  ) : null}
                  <details>
                    <summary>What happened</summary>
                    <Timeline events={r.timeline} label={`Timeline of password reset ${r.resetId}`} />
                  </details>
                </div>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </Section>
  );
}

const RESET_WORDS: Record<string, string> = {
  PendingReset: 'Link sent, not used yet',
  Completed: 'New password set',
  Expired: 'Link expired unused',
  Replaced: 'Replaced by a newer ask',
  NoAccount: 'No account',
  Limited: 'Not sent: links went lately',
};

function RegistrationCard({ registration: r }: { registration: RegistrationAnswer }) {
  const now = useNow([r.resendAvailableAt]);
  const queries = useQueryClient();
  const resend = useMutation({
    mutationFn: () => api.resendLink(r.registrationId),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ['registrations'] });
    },
  });
  const pending = r.status === 'PendingConfirmation';
  const waitUntil =
    r.resendAvailableAt && Date.parse(r.resendAvailableAt) > now ? r.resendAvailableAt : undefined;
  return (
    <li className="card">
      <div className="card-body">
        <p className="card-title">
          <span>
            {r.email ? (
              <>
                {r.name} &lt;{r.email}&gt;
              </>
            ) : (
              'Nothing personal kept'
            )}
          </span>
          <span className={`badge status-${r.status}`}>{statusWords(r.status)}</span>
        </p>
        <p className="muted">
          Registration {r.registrationId} · registered {when(r.createdAt)} · {plural(r.linksSent, 'link')}{' '}
          sent
        </p>
        {pending && r.confirmBy ? (
          <p className="deadline">
            The latest link works until {when(r.confirmBy)} ({relative(r.confirmBy, now)}); after that the
            registration lapses and nothing is kept.
          </p>
        ) : null}
        {r.status === 'Confirmed' ? (
          <p>
            Confirmed {r.confirmedAt ? when(r.confirmedAt) : ''}: customer {r.customerId}.
          </p>
        ) : null}
        {r.status === 'Lapsed' ? (
          <p>
            Lapsed {r.lapsedAt ? when(r.lapsedAt) : ''}: {lapsedBecause(r.lapseReason)}. Nothing was written
            and nothing personal of it is kept; the customer may register again with the address.
          </p>
        ) : null}
        {pending ? (
          <div className="row">
            <button type="button" disabled={resend.isPending || !!waitUntil} onClick={() => resend.mutate()}>
              Send a fresh link
            </button>
            {waitUntil ? (
              <span className="hint">
                Links go to an address at most once a minute and four times an hour, whichever sign-up asks:
                possible again {relative(waitUntil, now)}.
              </span>
            ) : null}
          </div>
        ) : null}
        <ErrorNote error={resend.error} what="No link was sent" />
        {resend.isSuccess ? (
          <Done>
            A fresh link is on its way to {r.email} (link {resend.data.linksSent}); the earlier ones no longer
            work. It asks for the password chosen at this sign-up.
          </Done>
        ) : null}
        {r.timeline && r.timeline.length > 0 ? (
          <details>
            <summary>What happened</summary>
            <Timeline events={r.timeline} label={`Timeline of registration ${r.registrationId}`} />
          </details>
        ) : null}
      </div>
    </li>
  );
}

function lapsedBecause(reason: RegistrationAnswer['lapseReason']): string {
  if (reason === 'address_taken') return 'another sign-up of the address was confirmed first';
  if (reason === 'too_many_wrong_passwords') return 'the password was entered wrong too often';
  return 'not confirmed in time';
}
