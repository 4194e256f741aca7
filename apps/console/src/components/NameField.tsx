import { Field } from './Field';

/** The name of an integration or a token: required, at most 100 characters. */
export function NameField(props: {
  label: string;
  hint?: string;
  error: string | undefined;
  autoFocus?: boolean;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {(control) => (
        <input
          {...control}
          value={props.value}
          maxLength={100}
          required
          autoFocus={props.autoFocus}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
