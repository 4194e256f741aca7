import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { User } from 'oidc-client-ts';
import type { ConsoleConfig } from './config';

/** Who is signed in, from the ID token (for display only: the admin API decides what they may do). */
export interface Profile {
  sub: string;
  name: string;
  email: string | undefined;
  org: string | undefined;
  orgName: string | undefined;
  role: string | undefined;
}

const claim = (user: User, name: string): string | undefined => {
  const value = (user.profile as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

export function profileOf(user: User): Profile {
  return {
    sub: user.profile.sub,
    name: claim(user, 'name') ?? claim(user, 'email') ?? user.profile.sub,
    email: claim(user, 'email'),
    org: claim(user, 'org'),
    orgName: claim(user, 'org_name'),
    role: claim(user, 'role'),
  };
}

/** Where to come back to after signing in (kept in the OpenID state, never in a URL). */
interface SignInState {
  returnTo: string;
}

/**
 * Sign-in with OpenID Connect: authorization code with PKCE (oidc-client-ts), the admin API's audience
 * as the `resource`, tokens in session storage (gone with the tab), renewal with the refresh token
 * before the access token expires (no iframe, so the CSP needs no frame-src).
 */
export class Auth {
  private readonly manager: UserManager;
  readonly base: string;

  constructor(config: ConsoleConfig) {
    this.base = `${window.location.origin}${import.meta.env.BASE_URL}`;
    this.manager = new UserManager({
      authority: config.issuer,
      client_id: config.clientId,
      redirect_uri: `${this.base}callback`,
      post_logout_redirect_uri: `${this.base}signed-out`,
      response_type: 'code',
      scope: config.scope,
      extraQueryParams: { resource: config.audience },
      userStore: new WebStorageStateStore({ store: window.sessionStorage }),
      automaticSilentRenew: true,
      monitorSession: false,
      loadUserInfo: false,
      accessTokenExpiringNotificationTimeInSeconds: 60,
    });
  }

  /** The signed-in user with an unexpired access token, if any. */
  async user(): Promise<User | null> {
    const user = await this.manager.getUser();
    return user !== null && !user.expired ? user : null;
  }

  /** Leaves for the provider's sign-in page; comes back to `returnTo` (a path under the console). */
  async signIn(returnTo: string): Promise<void> {
    const state: SignInState = { returnTo };
    await this.manager.signinRedirect({ state });
  }

  /** Completes the sign-in on the callback page; answers where to go next. */
  async completeSignIn(): Promise<string> {
    const user = await this.manager.signinRedirectCallback();
    const returnTo = (user.state as SignInState | undefined)?.returnTo;
    // Only paths of the console itself: a crafted state cannot send the admin elsewhere.
    return typeof returnTo === 'string' && returnTo.startsWith('/') && !returnTo.startsWith('//')
      ? returnTo
      : '/';
  }

  /**
   * A fresh access token through the refresh token; null when there is none (never a hidden iframe: the
   * CSP has no frame-src, and a provider's sign-in page must not be framed anyway).
   */
  async renew(): Promise<User | null> {
    const stored = await this.manager.getUser();
    if (typeof stored?.refresh_token !== 'string') return null;
    try {
      return await this.manager.signinSilent();
    } catch {
      return null;
    }
  }

  /** Forgets the session here and ends it at the provider. */
  async signOut(): Promise<void> {
    const user = await this.manager.getUser();
    await this.manager.removeUser();
    await this.manager.signoutRedirect(user?.id_token === undefined ? {} : { id_token_hint: user.id_token });
  }

  onUserLoaded(listener: (user: User) => void): () => void {
    this.manager.events.addUserLoaded(listener);
    return () => this.manager.events.removeUserLoaded(listener);
  }
}
