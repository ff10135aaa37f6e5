/**
 * Not signed in (or the session has ended): the browser goes to the server's sign-in, which sends
 * it to the identity provider and, once signed in, back to this very page.
 */
import { useEffect } from 'react';
import { signInUrl } from '../api';

export function SignInPage() {
  const url = signInUrl();
  useEffect(() => {
    window.location.assign(url);
  }, [url]);
  return (
    <main id="main" className="page narrow">
      <h1>Signing you in…</h1>
      <p>
        You are being sent to your identity provider. If nothing happens, <a href={url}>sign in here</a>.
      </p>
    </main>
  );
}
