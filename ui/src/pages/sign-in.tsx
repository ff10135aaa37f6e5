/** The development sign-in: the sample organisation and the desks, one button each. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, type DevPeopleAnswer } from '../api';
import { ErrorNote, Loading } from '../components';

export function SignInPage() {
  const queries = useQueryClient();
  const people = useQuery({ queryKey: ['people'], queryFn: api.people, retry: false });
  const signIn = useMutation({
    mutationFn: api.signIn,
    onSuccess: async () => {
      window.location.hash = '';
      await queries.invalidateQueries();
    },
  });
  const off = people.error instanceof ApiError && people.error.status === 404;
  return (
    <main id="main" className="page narrow">
      <h1>Sign in to the back office</h1>
      {off ? (
        <p>
          Sign-in goes through your company's identity provider, which is not set up for this server yet. Ask
          the on-call engineer.
        </p>
      ) : (
        <>
          <p className="note dev" role="note">
            <strong>Development sign-in.</strong> This server runs with its development identity, so anyone
            may sign in as anyone in the sample organisation below. A production server has no such page.
          </p>
          {people.isPending ? <Loading what="the people you may sign in as" /> : null}
          <ErrorNote
            error={people.error && !off ? people.error : undefined}
            what="The people could not be listed"
          />
          <ErrorNote error={signIn.error} what="Could not sign in" />
          {people.data ? (
            <>
              <PeopleList
                title="The sample organisation"
                people={people.data.people.filter((p) => p.roles.includes('employee'))}
                onPick={(id) => signIn.mutate(id)}
                busy={signIn.isPending}
              />
              <PeopleList
                title="Desks"
                people={people.data.people.filter((p) => !p.roles.includes('employee'))}
                onPick={(id) => signIn.mutate(id)}
                busy={signIn.isPending}
              />
            </>
          ) : null}
        </>
      )}
    </main>
  );
}

function PeopleList({
  title,
  people,
  onPick,
  busy,
}: {
  title: string;
  people: DevPeopleAnswer['people'];
  onPick: (id: string) => void;
  busy: boolean;
}) {
  if (people.length === 0) return null;
  const id = `people-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ul className="people">
        {people.map((person) => (
          <li key={person.id}>
            <button type="button" className="person" onClick={() => onPick(person.id)} disabled={busy}>
              <span className="name">{person.name}</span>
              <span className="title">
                {person.title} · {person.roles.join(', ')}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
