/**
 * The back office: one page per person's work, each a queue of what waits for them. Routing is by
 * the URL's fragment (#/support), so every API path stays the API's. Lists poll every two seconds
 * while the page is open, so a decision taken anywhere shows up without a reload.
 */
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { StrictMode, useEffect, useState, type MouseEvent, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { api, ApiError, setCsrfToken, SIGNED_OUT_KEY, type SessionAnswer } from './api';
import { ErrorNote, Loading } from './components';
import { clearDeviceLogs } from './device-log';
import { EmployeePage } from './pages/employee';
import { HrPage } from './pages/hr';
import { ManagerPage } from './pages/manager';
import { OrderPage } from './pages/order';
import { RegistrationsPage } from './pages/registrations';
import { SignInPage } from './pages/sign-in';
import { SupportPage } from './pages/support';
import { WarehousePage } from './pages/warehouse';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

type Role = SessionAnswer['roles'][number];

interface Workspace {
  path: string;
  label: string;
  role: Role;
}

const WORKSPACES: Workspace[] = [
  { path: '/support', label: 'Support', role: 'support' },
  { path: '/registrations', label: 'Registrations', role: 'support' },
  { path: '/inbox', label: 'Manager inbox', role: 'manager' },
  { path: '/warehouse', label: 'Warehouse', role: 'warehouse' },
  { path: '/hr', label: 'HR', role: 'hr' },
  { path: '/leave', label: 'My leave', role: 'employee' },
];

/**
 * The page the URL's fragment names (`#/support`). A fragment that is no page (`#main`, an anchor)
 * leaves the page as it is: it is a place on the page, not a page.
 */
function useHashPath(): string {
  let last = '/';
  const read = () => {
    const hash = window.location.hash.replace(/^#/, '');
    if (hash === '' || hash.startsWith('/')) last = safeDecode(hash) || '/';
    return last;
  };
  const [path, setPath] = useState(read);
  useEffect(() => {
    const onChange = () => setPath(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return path;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The skip link moves the focus to the page's work without navigating (the fragment names pages). */
function skipToWork(event: MouseEvent<HTMLAnchorElement>): void {
  event.preventDefault();
  const main = document.getElementById('main');
  main?.focus();
  main?.scrollIntoView();
}

function App() {
  const session = useQuery({ queryKey: ['session'], queryFn: api.session, retry: false, staleTime: 60_000 });
  const path = useHashPath();
  if (session.isPending) return <Loading what="your session" />;
  if (session.error) {
    if (session.error instanceof ApiError && session.error.status === 401) return <SignInPage />;
    return (
      <main className="page">
        <ErrorNote error={session.error} what="The back office could not start" />
      </main>
    );
  }
  setCsrfToken(session.data.csrfToken);
  return <Workspaces session={session.data} path={path} />;
}

function Workspaces({ session, path }: { session: SessionAnswer; path: string }) {
  const queries = useQueryClient();
  const mine = WORKSPACES.filter((w) => session.roles.includes(w.role));
  const home = mine[0]?.path ?? '/leave';
  const current = path === '/' ? home : path;
  useEffect(() => {
    const title =
      mine.find((w) => current.startsWith(w.path))?.label ??
      (current.startsWith('/orders/') ? 'Order' : 'Back office');
    document.title = `${title} · Back office`;
  }, [current, mine]);

  let page: ReactNode;
  const orderMatch = /^\/orders\/(.+)$/.exec(current);
  if (orderMatch && session.roles.includes('support'))
    page = <OrderPage orderId={orderMatch[1]!} tools={session.tools} />;
  else if (current === '/support' && session.roles.includes('support')) page = <SupportPage />;
  else if (current.startsWith('/registrations') && session.roles.includes('support'))
    page = <RegistrationsPage asked={current.slice('/registrations/'.length) || undefined} />;
  else if (current === '/inbox' && session.roles.includes('manager'))
    page = <ManagerPage session={session} />;
  else if (current === '/warehouse' && session.roles.includes('warehouse'))
    page = <WarehousePage who={session.sub} />;
  else if (current === '/hr' && session.roles.includes('hr')) page = <HrPage />;
  else if (current === '/leave' && session.roles.includes('employee'))
    page = <EmployeePage session={session} />;
  else
    page = (
      <main id="main" className="page" tabIndex={-1}>
        <h1>Not here</h1>
        <p>
          There is no such page for you. Go to <a href={`#${home}`}>your work</a>.
        </p>
      </main>
    );

  async function signOut(): Promise<void> {
    const answer = await api.signOut().catch(() => undefined);
    clearDeviceLogs();
    try {
      // Only once signed out here: the page then says so, and whether the provider's session ended.
      if (answer) sessionStorage.setItem(SIGNED_OUT_KEY, answer.endSessionUrl ? 'everywhere' : 'here');
    } catch {
      // no storage: the page signs in again rather than saying so
    }
    // On to the identity provider, so its session ends too; it sends the browser back here.
    if (answer?.endSessionUrl) {
      window.location.assign(answer.endSessionUrl);
      return;
    }
    // Back to `/`: without a session it is the page that says "You are signed out".
    window.location.assign('/');
    await queries.resetQueries();
  }

  return (
    <>
      <a className="skip" href="#main" onClick={skipToWork}>
        Skip to the work
      </a>
      <header className="top">
        <span className="brand">Back office</span>
        <nav aria-label="Workspaces">
          <ul>
            {mine.map((w) => (
              <li key={w.path}>
                <a href={`#${w.path}`} aria-current={current.startsWith(w.path) ? 'page' : undefined}>
                  {w.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {session.name}
            {session.devSignIn ? (
              <span className="badge dev" title="signed in through the identity provider on this machine">
                {' '}
                development sign-in
              </span>
            ) : null}
          </span>
          <button type="button" className="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {page}
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
