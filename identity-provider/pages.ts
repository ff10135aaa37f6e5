/**
 * The embedded provider's pages: the development login (the sample organisation and the desks,
 * one button each) and the sign-out step. Server-rendered HTML with inline styles that match the
 * back office; every value is escaped.
 */
import { escapeHtml } from '../api/html';
import type { Role } from '../domain/roles';

const STYLE = `
:root{--ink:#1a1d23;--muted:#4a5261;--line:#d5d9e0;--paper:#fff;--ground:#f3f5f8;--accent:#1d4ed8;--danger:#b42318;--dev-ground:#fff8c5;
font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);background:var(--ground);line-height:1.45}
*{box-sizing:border-box}body{margin:0}
main{max-width:38rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0 1.25rem}h2{font-size:1.15rem;margin:1.5rem 0 .75rem}
.notice{background:var(--dev-ground);border:1px solid #e3c94a;border-radius:6px;padding:.75rem 1rem;margin:0 0 1rem}
.error{border:1px solid var(--danger);color:var(--danger);background:#fff;border-radius:6px;padding:.75rem 1rem;margin:0 0 1rem}
ul{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
button{font:inherit;cursor:pointer}
.person{display:block;width:100%;text-align:left;background:var(--paper);border:1px solid var(--line);border-radius:6px;padding:.6rem .9rem;color:var(--ink)}
.person:hover{border-color:var(--accent)}
.person .title{display:block;color:var(--muted);font-size:.92rem}
.primary{background:var(--accent);color:#fff;border:0;border-radius:6px;padding:.6rem 1.1rem}
button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** Someone the development login offers to sign in as. */
export interface ProviderPerson {
  id: string;
  name: string;
  title: string;
  roles: Role[];
}

function group(title: string, people: ProviderPerson[]): string {
  if (people.length === 0) return '';
  const id = `people-${title.replace(/\W+/g, '-').toLowerCase()}`;
  const items = people
    .map(
      (p) =>
        `<li><button type="submit" class="person" name="person" value="${escapeHtml(p.id)}"><span class="name">${escapeHtml(p.name)}</span><span class="title">${escapeHtml(p.title)} · ${escapeHtml(p.roles.join(', '))}</span></button></li>`,
    )
    .join('');
  return `<section aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(title)}</h2><ul>${items}</ul></section>`;
}

export function loginPage({
  people,
  action,
  error,
}: {
  people: ProviderPerson[];
  action: string;
  error?: string;
}): string {
  const notice =
    '<p class="notice" role="note"><strong>Development sign-in.</strong> This is the identity provider <code>npm start</code> runs on this machine: anyone may sign in as anyone in the sample organisation, with no password. In production the company\'s identity provider (Okta, Entra ID, Keycloak, Google) signs people in instead.</p>';
  const failure = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
  const form = action
    ? `<form method="post" action="${escapeHtml(action)}">${group(
        'The sample organisation',
        people.filter((p) => p.roles.includes('employee')),
      )}${group(
        'Desks',
        people.filter((p) => !p.roles.includes('employee')),
      )}</form>`
    : '';
  return page('Sign in to the back office', `<h1>Sign in to the back office</h1>${notice}${failure}${form}`);
}

/**
 * The provider's sign-out step: its form (which carries the provider's own CSRF token) is sent at
 * once; the button is there for a browser that runs no script.
 */
export function signOutPage(form: string): string {
  return page(
    'Signing out',
    `<h1>Signing out…</h1>${form}<p><button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button></p>` +
      `<script>(function(){var f=document.getElementById('op.logoutForm');var i=document.createElement('input');i.type='hidden';i.name='logout';i.value='yes';f.appendChild(i);f.submit();})();</script>`,
  );
}
