/**
 * The page `/` answers a browser without a session: not the back office's bundle, only this, which
 * sends the browser to sign in and back to the page its address names (the fragment, `#/inbox`,
 * which the server never sees). Just after signing out in this tab, it says so instead, and offers
 * to sign in again.
 */
import { SIGNED_OUT_KEY, signInUrl } from './api';

let signedOut: string | null = null;
try {
  signedOut = sessionStorage.getItem(SIGNED_OUT_KEY);
  sessionStorage.removeItem(SIGNED_OUT_KEY);
} catch {
  // no storage: sign in as usual
}

if (signedOut) {
  document.title = 'Signed out · Back office';
  const main = document.getElementById('main')!;
  const heading = document.createElement('h1');
  heading.textContent = 'You are signed out';
  const text = document.createElement('p');
  text.append(
    signedOut === 'everywhere'
      ? 'You are signed out of the back office and of your identity provider. '
      : 'You are signed out of the back office. Your identity provider may still know you: sign out there too on a shared computer. ',
  );
  const again = document.createElement('a');
  again.href = signInUrl();
  again.textContent = 'Sign in again';
  text.append(again);
  main.replaceChildren(heading, text);
} else {
  window.location.replace(signInUrl());
}
