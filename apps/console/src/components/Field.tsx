import { useId } from 'react';
import type { ReactNode } from 'react';

/**
 * A labelled form control with its hint and its error wired for screen readers (aria-describedby,
 * aria-invalid). `children` receives the ids to put on the control.
 */
export function Field(props: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  optional?: boolean;
  children: (control: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: true }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint !== undefined ? hintId : '', props.error !== undefined ? errorId : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={props.error === undefined ? 'field' : 'field invalid'}>
      <label htmlFor={id}>
        {props.label}
        {props.optional === true && <span className="optional"> (optional)</span>}
      </label>
      {props.hint !== undefined && (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.children({
        id,
        ...(describedBy === '' ? {} : { 'aria-describedby': describedBy }),
        ...(props.error === undefined ? {} : { 'aria-invalid': true as const }),
      })}
      {props.error !== undefined && (
        <p className="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** The API's message for `field` (e.g. `name`), if it refused that field. */
export function fieldError(
  fields: readonly { field: string; message: string }[] | undefined,
  ...names: string[]
): string | undefined {
  const issue = fields?.find((f) => names.some((name) => f.field === name || f.field.startsWith(`${name}[`)));
  return issue?.message;
}
