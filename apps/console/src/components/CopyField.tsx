import { useId, useRef, useState } from 'react';

/**
 * A secret shown once: read-only, selectable, with a copy button whose outcome is announced. When the
 * browser refuses the clipboard, the text is selected so Ctrl+C copies it.
 */
export function CopyField(props: { label: string; value: string; testId?: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');

  async function copy() {
    try {
      await navigator.clipboard.writeText(props.value);
      setStatus('Copied to the clipboard.');
    } catch {
      input.current?.select();
      setStatus('The browser did not allow copying: the text is selected, press Ctrl+C (or ⌘C) to copy it.');
    }
  }

  return (
    <div className="copy-field">
      <label htmlFor={id}>{props.label}</label>
      <div className="copy-row">
        <input
          id={id}
          ref={input}
          readOnly
          value={props.value}
          spellCheck={false}
          autoComplete="off"
          data-testid={props.testId}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p className="copy-status" role="status">
        {status}
      </p>
    </div>
  );
}
