import { createContext, useContext } from 'react';
import type { Api } from './api';
import type { Auth, Profile } from './auth';

/** What every page needs: the API client, who is signed in, and signing out. */
export interface Session {
  api: Api;
  auth: Auth;
  profile: Profile;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside the signed-in console');
  return session;
}
