import { Link } from 'react-router';
import { useTitle } from '../hooks';
import type { Profile } from '../auth';

/** A page that does not exist, or another organisation's (the API never says which). */
export function NotFoundPage(props: { what?: string }) {
  useTitle('Not found');
  return (
    <section className="message-page" data-testid="not-found">
      <h1 tabIndex={-1}>{props.what ?? 'Page'} not found</h1>
      <p>
        It does not exist, or it belongs to another organisation. Check the address, or start again from the
        list.
      </p>
      <p>
        <Link to="/integrations">Go to integrations</Link>
      </p>
    </section>
  );
}

/** Signed in, but not an admin: the admin API refused, and this says why in words. */
export function RefusedPage(props: { profile: Profile; reason: string; onSignOut: () => void }) {
  useTitle('Access refused');
  const { profile } = props;
  return (
    <main id="main" className="standalone" data-testid="refused">
      <section className="message-page">
        <h1>This console is for organisation admins</h1>
        <p>
          You are signed in as <strong>{profile.name}</strong>
          {profile.email !== undefined && <> ({profile.email})</>}
          {profile.orgName !== undefined && <> of {profile.orgName}</>}, but your account is not an admin of
          an organisation{profile.role !== undefined && <> (your role is “{profile.role}”)</>}, so the
          platform refused to show or change anything.
        </p>
        <p className="hint">The platform said: {props.reason}</p>
        <p>
          Ask an admin of your organisation to give you the admin role, or sign out and sign in with an admin
          account.
        </p>
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </section>
    </main>
  );
}

/** A full-page state outside the signed-in frame (loading, sign-in problems, signed out). */
export function StandalonePage(props: {
  title: string;
  children?: React.ReactNode;
  action?: { label: string; onClick: () => void };
  busy?: boolean;
}) {
  useTitle(props.title);
  return (
    <main id="main" className="standalone">
      <section className="message-page">
        <h1>{props.title}</h1>
        {props.busy === true && <span className="spinner" role="status" aria-label={props.title} />}
        {props.children}
        {props.action !== undefined && (
          <button type="button" onClick={props.action.onClick}>
            {props.action.label}
          </button>
        )}
      </section>
    </main>
  );
}
