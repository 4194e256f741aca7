import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ErrorResponse } from 'oidc-client-ts';
import type { User } from 'oidc-client-ts';
import { consolePath, SignedIn } from './App';
import { Auth } from './auth';
import { loadConfig } from './config';
import { StandalonePage } from './pages/messages';
import './styles.css';

type State =
  | { kind: 'starting' }
  | { kind: 'redirecting' }
  | { kind: 'broken'; message: string }
  | { kind: 'sign-in-failed'; auth: Auth; message: string }
  | { kind: 'signed-out'; auth: Auth }
  | { kind: 'ready'; auth: Auth; user: User };

/** Configuration, then the sign-in callback, the signed-out page, or a session (else off to sign in). */
async function start(): Promise<State> {
  let auth: Auth;
  try {
    auth = new Auth(await loadConfig());
  } catch (error) {
    return { kind: 'broken', message: error instanceof Error ? error.message : String(error) };
  }
  const path = consolePath().split('?')[0];
  if (path === '/callback') {
    try {
      const returnTo = await auth.completeSignIn();
      window.history.replaceState(null, '', `${import.meta.env.BASE_URL.replace(/\/$/, '')}${returnTo}`);
    } catch (error) {
      const cancelled = error instanceof ErrorResponse && error.error === 'access_denied';
      return {
        kind: 'sign-in-failed',
        auth,
        message: cancelled
          ? 'The sign-in was cancelled.'
          : `The sign-in did not complete: ${error instanceof Error ? error.message : String(error)}.`,
      };
    }
  } else if (path === '/signed-out') {
    return { kind: 'signed-out', auth };
  }
  const user = (await auth.user()) ?? (await auth.renew());
  if (user !== null) return { kind: 'ready', auth, user };
  await auth.signIn(consolePath());
  return { kind: 'redirecting' };
}

// Once per page load: the callback's code can be redeemed only once (StrictMode runs effects twice).
let starting: Promise<State> | undefined;

function Root() {
  const [state, setState] = useState<State>({ kind: 'starting' });
  useEffect(() => {
    starting ??= start();
    void starting.then(setState);
  }, []);
  const signInAgain = (auth: Auth) => () => {
    setState({ kind: 'redirecting' });
    void auth.signIn('/integrations');
  };

  switch (state.kind) {
    case 'starting':
      return <StandalonePage title="Loading the console" busy />;
    case 'redirecting':
      return <StandalonePage title="Taking you to sign-in" busy />;
    case 'broken':
      return (
        <StandalonePage title="The console cannot start">
          <p>
            Its configuration could not be read ({state.message}). Ask the platform’s operators to check it.
          </p>
        </StandalonePage>
      );
    case 'sign-in-failed':
      return (
        <StandalonePage
          title="You are not signed in"
          action={{ label: 'Sign in', onClick: signInAgain(state.auth) }}
        >
          <p>{state.message}</p>
        </StandalonePage>
      );
    case 'signed-out':
      return (
        <StandalonePage
          title="You have signed out"
          action={{ label: 'Sign in again', onClick: signInAgain(state.auth) }}
        >
          <p>Your session in the console has ended.</p>
        </StandalonePage>
      );
    case 'ready':
      return <SignedIn auth={state.auth} user={state.user} />;
  }
}

const container = document.getElementById('root');
if (container !== null) {
  createRoot(container).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
}
