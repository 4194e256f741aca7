import type { ReactNode } from 'react';
import type { ApiError } from '../api';

/** A failure in words, with the request reference support can look up. */
export function ErrorNotice(props: { error: ApiError | undefined; title?: string; onRetry?: () => void }) {
  const { error } = props;
  if (error === undefined) return null;
  return (
    <div className="notice error" role="alert">
      {props.title !== undefined && <p className="notice-title">{props.title}</p>}
      <p>{error.message}</p>
      {error.requestId !== undefined && <p className="reference">Reference: {error.requestId}</p>}
      {props.onRetry !== undefined && (
        <button type="button" className="secondary" onClick={props.onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A loading state in words, announced politely. */
export function Loading(props: { what: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      Loading {props.what}…
    </p>
  );
}

/** What an empty list means, and what to do about it (a button, when there is one thing to do). */
export function EmptyState(props: {
  title: string;
  children: ReactNode;
  action?: { label: string; onClick: () => void } | undefined;
}) {
  return (
    <div className="empty">
      <p className="empty-title">{props.title}</p>
      <div>{props.children}</div>
      {props.action !== undefined && (
        <button type="button" onClick={props.action.onClick}>
          {props.action.label}
        </button>
      )}
    </div>
  );
}

/** A warning that stays on the page (not an alert), e.g. the "never expires" warning. */
export function Warning(props: { children: ReactNode; id?: string }) {
  return (
    <div className="notice warning" id={props.id}>
      <span className="icon" aria-hidden="true">
        !
      </span>
      <div>{props.children}</div>
    </div>
  );
}

/** A success message, announced. */
export function Success(props: { children: ReactNode }) {
  return (
    <p className="notice success" role="status">
      {props.children}
    </p>
  );
}

export function Badge(props: { tone: 'ok' | 'muted' | 'danger' | 'warn' | 'info'; children: ReactNode }) {
  return <span className={`badge ${props.tone}`}>{props.children}</span>;
}
