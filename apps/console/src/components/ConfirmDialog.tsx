import type { ReactNode } from 'react';
import { useRequest } from '../hooks';
import { Dialog } from './Dialog';
import { ErrorNotice } from './feedback';

/**
 * Asks before a change that matters, saying what it does. Cancel has the focus first, so Enter on an
 * unread dialog changes nothing.
 */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const { busy, error, run } = useRequest(true);
  const confirm = () =>
    run(async () => {
      await props.onConfirm();
      props.onClose();
    });

  return (
    <Dialog title={props.title} onClose={props.onClose} locked={busy} testId="confirm-dialog">
      <div className="dialog-body">{props.children}</div>
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={props.onClose} disabled={busy} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className={props.danger === true ? 'danger' : 'primary'}
          onClick={() => void confirm()}
          disabled={busy}
        >
          {busy ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
