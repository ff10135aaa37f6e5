/**
 * How an identity provider's claims become the app's roles (domain/roles.ts), and the sign-in
 * settings a deployment gives: AUTH_ISSUER with its companions, never with AUTH_JWT_SECRET.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeReturnTo } from '../../api/session';
import { loadConfig } from '../../config/settings';
import { claimAt, issuerUrlProblem, parseRoleMap, rolesFromClaim } from '../../domain/roles';

describe('roles from claims', () => {
  it('reads AUTH_ROLE_MAP: a group may grant several roles; a role the app lacks is an error', () => {
    assert.deepEqual(parseRoleMap('support-staff=support, line-managers=manager,line-managers=employee'), {
      'support-staff': ['support'],
      'line-managers': ['manager', 'employee'],
    });
    assert.deepEqual(parseRoleMap('a=b=hr'), { 'a=b': ['hr'] }, 'the last = splits');
  });

  it('refuses a map that names no app role or no pair', () => {
    assert.throws(() => parseRoleMap('support-staff=janitor'), /"janitor".*not one of/);
    assert.throws(() => parseRoleMap('=support'), /not group=role/);
    assert.throws(() => parseRoleMap(' , '), /no group=role pair/);
  });

  it('without a map a value equal to a role is that role; with one, only the map counts', () => {
    assert.deepEqual(rolesFromClaim(['employee', 'manager', 'chess-club']), ['manager', 'employee']);
    assert.deepEqual(rolesFromClaim('support hr'), ['support', 'hr'], 'a space-separated string');
    assert.deepEqual(rolesFromClaim(['support'], { 'support-staff': ['support'] }), []);
    assert.deepEqual(rolesFromClaim(['support-staff', 'x'], { 'support-staff': ['support'] }), ['support']);
    assert.deepEqual(rolesFromClaim(undefined), []);
    assert.deepEqual(rolesFromClaim({ roles: ['hr'] }), [], 'an object is no list of roles');
  });

  it('reaches into a dotted claim (Keycloak realm_access.roles), and prefers a claim named with the dot', () => {
    const claims = { realm_access: { roles: ['hr'] }, 'https://example.com/roles': ['support'] };
    assert.deepEqual(claimAt(claims, 'realm_access.roles'), ['hr']);
    assert.deepEqual(claimAt(claims, 'https://example.com/roles'), ['support']);
    assert.equal(claimAt(claims, 'realm_access.missing.deeper'), undefined);
  });

  it('trusts an HTTPS issuer, and plain HTTP only on a loopback address', () => {
    assert.equal(issuerUrlProblem('https://login.example.com/realms/acme'), undefined);
    assert.equal(issuerUrlProblem('http://127.0.0.1:3001'), undefined);
    assert.equal(issuerUrlProblem('http://localhost:8080/realms/dev'), undefined);
    assert.match(issuerUrlProblem('http://idp.example.com')!, /must use https/);
    assert.match(issuerUrlProblem('http://127.0.0.1.nip.io')!, /must use https/);
    assert.match(issuerUrlProblem('not a url')!, /not a URL/);
  });

  it('sends a person back only to a page of this server', () => {
    assert.equal(safeReturnTo('/#/inbox'), '/#/inbox');
    for (const elsewhere of ['//evil.example', 'https://evil.example', '/\\evil.example', 'evil', undefined])
      assert.equal(safeReturnTo(elsewhere), '/');
  });
});

describe('sign-in settings', () => {
  const issuer = { AUTH_ISSUER: 'https://idp.example.com/', AUTH_AUDIENCE: 'api://commerce' };

  it('reads the issuer exactly as given, with the defaults for the claims and the scopes', () => {
    const auth = loadConfig(issuer).auth.issuer!;
    assert.equal(auth.issuer, 'https://idp.example.com/', 'iss is compared as a string');
    assert.equal(auth.rolesClaim, 'roles');
    assert.equal(auth.subjectClaim, 'sub');
    assert.equal(auth.scopes, 'openid profile');
    assert.equal(auth.jwksMaxAgeMs, 600_000);
    const mapped = loadConfig({
      ...issuer,
      AUTH_ROLES_CLAIM: 'groups',
      AUTH_ROLE_MAP: 'support-staff=support',
      AUTH_SUBJECT_CLAIM: 'employee_id',
      AUTH_CLIENT_ID: 'back-office',
      AUTH_CLIENT_SECRET: 's3cret',
    }).auth.issuer!;
    assert.deepEqual(mapped.roleMap, { 'support-staff': ['support'] });
    assert.equal(mapped.subjectClaim, 'employee_id');
    assert.equal(mapped.clientId, 'back-office');
  });

  it('refuses AUTH_ISSUER with AUTH_JWT_SECRET: tokens come from one place', () => {
    assert.throws(
      () => loadConfig({ ...issuer, AUTH_JWT_SECRET: 'x'.repeat(40) }),
      /AUTH_JWT_SECRET: is set together with AUTH_ISSUER/,
    );
  });

  it('refuses an issuer without an audience, over plain HTTP elsewhere than loopback, or a bad map', () => {
    assert.throws(() => loadConfig({ AUTH_ISSUER: 'https://idp.example.com' }), /AUTH_AUDIENCE: is required/);
    assert.throws(
      () => loadConfig({ ...issuer, AUTH_ISSUER: 'http://idp.example.com' }),
      /AUTH_ISSUER: .*https/,
    );
    assert.throws(() => loadConfig({ ...issuer, AUTH_ROLE_MAP: 'staff=boss' }), /AUTH_ROLE_MAP/);
    assert.throws(
      () => loadConfig({ ...issuer, AUTH_CLIENT_SECRET: 'x' }),
      /AUTH_CLIENT_SECRET: needs AUTH_CLIENT_ID/,
    );
  });

  it('refuses the issuer-only settings without an issuer, so a half-done setup fails at start', () => {
    assert.throws(() => loadConfig({ AUTH_AUDIENCE: 'api' }), /AUTH_AUDIENCE: is used only with AUTH_ISSUER/);
    assert.equal(loadConfig({}).auth.issuer, undefined);
  });
});
