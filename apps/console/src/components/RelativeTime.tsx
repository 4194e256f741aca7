import { formatDateTime, relativeTime } from '../format';

/** "3 minutes ago", with the date and time it stands for in the markup and on hover. */
export function RelativeTime(props: { iso: string; now: number }) {
  return (
    <time dateTime={props.iso} title={formatDateTime(props.iso)}>
      {relativeTime(props.iso, props.now)}
    </time>
  );
}
