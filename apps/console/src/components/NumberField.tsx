import { Field } from './Field';

/** A whole number from `min` to `max`, kept as the text typed so that it may be left empty. */
export function NumberField(props: {
  label: string;
  hint: string;
  error: string | undefined;
  optional?: boolean;
  min: number;
  max: number;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field label={props.label} optional={props.optional} hint={props.hint} error={props.error}>
      {(control) => (
        <input
          {...control}
          type="number"
          inputMode="numeric"
          min={props.min}
          max={props.max}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
