import { useEffect, useId, useRef } from 'react';
import type { ReactNode } from 'react';

/**
 * A modal dialog on the native `<dialog>` element: focus moves into it and stays there, Escape closes it,
 * the page behind is inert, and focus returns to whatever opened it.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Wider, for forms with several sections. */
  wide?: boolean;
  /** Escape and the backdrop do nothing while true (e.g. while a request runs). */
  locked?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { onClose, locked } = props;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return undefined;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      className={props.wide === true ? 'dialog wide' : 'dialog'}
      data-testid={props.testId}
      onCancel={(event) => {
        event.preventDefault();
        if (locked !== true) onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/**
 * A form dialog's buttons: Cancel, and its own button (a submit, or `onClick`), which says what runs;
 * both disabled while it does.
 */
export function DialogActions(props: {
  busy: boolean;
  onCancel: () => void;
  label: string;
  busyLabel: string;
  onClick?: () => void;
}) {
  return (
    <div className="actions">
      <button type="button" className="secondary" onClick={props.onCancel} disabled={props.busy}>
        Cancel
      </button>
      <button
        type={props.onClick === undefined ? 'submit' : 'button'}
        onClick={props.onClick}
        disabled={props.busy}
      >
        {props.busy ? props.busyLabel : props.label}
      </button>
    </div>
  );
}
