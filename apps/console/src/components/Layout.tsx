import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';
import { useSession } from '../session';

/**
 * The frame of every signed-in page: a skip link, the organisation and user, the main navigation.
 * After each navigation focus moves to the new page's main area, as a page load would.
 */
export function Layout(props: { children: ReactNode }) {
  const { profile, signOut } = useSession();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = main.current?.querySelector('h1');
    (heading instanceof HTMLElement ? heading : main.current)?.focus();
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <span>EUDR console</span>
        </div>
        <nav aria-label="Main">
          <NavLink to="/integrations">Integrations</NavLink>
          <NavLink to="/policy">Token policy</NavLink>
          <NavLink to="/audit-log">Audit log</NavLink>
        </nav>
        <div className="who">
          <span className="org" data-testid="org-name">
            {profile.orgName ?? profile.org ?? 'Organisation'}
          </span>
          <span className="user">{profile.name}</span>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
