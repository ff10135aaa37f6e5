/**
 * The app's roles and how a company's identity provider's claims become them. Pure: the API's
 * token check and the configuration both use it, and it has its own unit tests.
 */
export const ROLES = ['storefront', 'support', 'manager', 'warehouse', 'employee', 'hr', 'customer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The roles the company's identity provider grants: everyone's but a customer's. A customer is
 * someone the shop's own customer provider signed in (or a shared-secret token names): no claim of
 * the company's provider, and no AUTH_ROLE_MAP entry, can make a member of staff one, nor a
 * customer's token carry anything else (api/tokens.ts).
 */
export const STAFF_ROLES = ROLES.filter((role): role is Exclude<Role, 'customer'> => role !== 'customer');
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaffRole(value: unknown): value is StaffRole {
  return isRole(value) && value !== 'customer';
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** A provider's group or role name → the app's roles it grants. */
export type RoleMap = Readonly<Record<string, readonly Role[]>>;

/**
 * Parses AUTH_ROLE_MAP: `support-staff=support,line-managers=manager`. A group may be named twice
 * (it then grants both roles); a role no app role is an error, so a typo fails at startup.
 */
export function parseRoleMap(text: string): RoleMap {
  const map: Record<string, Role[]> = {};
  for (const pair of text.split(',')) {
    const entry = pair.trim();
    if (!entry) continue;
    const at = entry.lastIndexOf('=');
    const group = entry.slice(0, at).trim();
    const role = entry.slice(at + 1).trim();
    if (at < 1 || !group || !role) throw new Error(`"${entry}" is not group=role`);
    if (!isStaffRole(role))
      throw new Error(`"${role}" (in "${entry}") is not one of ${STAFF_ROLES.join(', ')}`);
    const roles = (map[group] ??= []);
    if (!roles.includes(role)) roles.push(role);
  }
  if (Object.keys(map).length === 0) throw new Error('names no group=role pair');
  return map;
}

/** A claim's value by name; a dotted name reaches into objects (Keycloak's `realm_access.roles`). */
export function claimAt(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The values of a roles claim: an array of strings, or one string of space-separated names. */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return [];
}

/**
 * The app's roles a token's roles claim grants: through the map when there is one, otherwise a
 * value equal to a role's name is that role. Unknown values grant nothing, and `customer` is never
 * granted (STAFF_ROLES). In the app's order.
 */
export function rolesFromClaim(value: unknown, map?: RoleMap): Role[] {
  const granted = new Set<Role>();
  for (const name of claimValues(value)) {
    if (map) for (const role of map[name] ?? []) granted.add(role);
    else if (isRole(name)) granted.add(name);
  }
  return STAFF_ROLES.filter((role) => granted.has(role));
}

/**
 * Whether an issuer URL may be trusted: HTTPS, or plain HTTP on a loopback address (a provider on
 * the same machine: the embedded one, a test's). Answers the problem, or undefined when fine.
 */
export function issuerUrlProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return `"${issuer}" is not a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && loopback) return undefined;
  return `"${issuer}" must use https (plain http only on 127.0.0.1, localhost or [::1])`;
}
