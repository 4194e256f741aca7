/** A seeded user of the development provider: organisation, role and a development password. */
export interface DevUser {
  /** The `sub` claim: what the admin API records as the actor in the audit log. */
  id: string;
  email: string;
  name: string;
  /** The `org` claim the admin API scopes every request by. */
  org: string;
  orgName: string;
  /** The `role` claim: the admin API serves `admin` only. */
  role: 'admin' | 'member';
}

/** The one password of every seeded user: this provider exists for development and tests only. */
export const DEV_PASSWORD = 'eudr-dev';

/** An admin of each of two organisations, and a member of the first who is not an admin. */
export const DEV_USERS: readonly DevUser[] = [
  {
    id: 'usr_ada',
    email: 'ada@acme.example',
    name: 'Ada Admin',
    org: 'org_acme',
    orgName: 'Acme Cocoa',
    role: 'admin',
  },
  {
    id: 'usr_ben',
    email: 'ben@borealis.example',
    name: 'Ben Admin',
    org: 'org_borealis',
    orgName: 'Borealis Coffee',
    role: 'admin',
  },
  {
    id: 'usr_mia',
    email: 'mia@acme.example',
    name: 'Mia Member',
    org: 'org_acme',
    orgName: 'Acme Cocoa',
    role: 'member',
  },
];

export const userById = (id: string): DevUser | undefined => DEV_USERS.find((u) => u.id === id);

/** The user an email and password sign in, if any (emails compare case-insensitively). */
export function authenticate(email: string, password: string): DevUser | undefined {
  const user = DEV_USERS.find((u) => u.email === email.trim().toLowerCase());
  return user !== undefined && password === DEV_PASSWORD ? user : undefined;
}
