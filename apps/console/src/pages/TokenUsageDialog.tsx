import { useState } from 'react';

import type { Integration, Token, TokenUsage, UsageCounts } from '../api';
import { Dialog } from '../components/Dialog';
import { Badge, ErrorNotice, Loading } from '../components/feedback';
import { RelativeTime } from '../components/RelativeTime';
import { TableHead } from '../components/TableHead';
import { useNow, useResource } from '../hooks';
import { useSession } from '../session';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The four series of the chart, stacked in this order. */
const SERIES = [
  { key: 'success', label: 'Succeeded', className: 'ok' },
  { key: 'unauthorized', label: 'Refused 401', className: 'unauthorized' },
  { key: 'forbidden', label: 'Refused 403', className: 'forbidden' },
  { key: 'rateLimited', label: 'Rate limited 429', className: 'limited' },
] as const;
type SeriesKey = (typeof SERIES)[number]['key'];
type Bucket = { start: number; values: Record<SeriesKey, number> };

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

function valuesOf(counts: UsageCounts): Record<SeriesKey, number> {
  return {
    success: counts.success,
    unauthorized: sum(counts.unauthorized),
    forbidden: sum(counts.forbidden),
    rateLimited: counts.rateLimited,
  };
}

/** Buckets of `sizeMs` from `from` to `to`, each with the hours that fall in it. */
function bucketsOf(usage: TokenUsage, from: number, to: number, sizeMs: number): Bucket[] {
  const buckets: Bucket[] = [];
  for (let start = from - (from % sizeMs); start < to; start += sizeMs) {
    buckets.push({ start, values: { success: 0, unauthorized: 0, forbidden: 0, rateLimited: 0 } });
  }
  for (const hour of usage.hours) {
    const at = Date.parse(hour.hour);
    const bucket = buckets[Math.floor((at - (buckets[0]?.start ?? 0)) / sizeMs)];
    if (bucket === undefined) continue;
    const values = valuesOf(hour);
    for (const { key } of SERIES) bucket.values[key] += values[key];
  }
  return buckets;
}

/** Stacked bars, one per bucket; a table with the same numbers follows for screen readers and copying. */
function UsageChart(props: { buckets: Bucket[]; label: (start: number) => string; caption: string }) {
  const width = 720;
  const height = 160;
  const max = Math.max(1, ...props.buckets.map((b) => sum(b.values)));
  const barWidth = width / Math.max(1, props.buckets.length);
  const total = props.buckets.reduce((n, b) => n + sum(b.values), 0);
  return (
    <figure className="usage-chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${props.caption}: ${total} requests, at most ${max === 1 && total === 0 ? 0 : max} in one bar`}
        data-testid="usage-chart"
      >
        <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} className="axis" />
        {props.buckets.map((bucket, i) => {
          let y = height;
          return (
            <g key={bucket.start}>
              <title>{`${props.label(bucket.start)}: ${SERIES.map((s) => `${bucket.values[s.key]} ${s.label.toLowerCase()}`).join(', ')}`}</title>
              {SERIES.map(({ key, className }) => {
                const h = (bucket.values[key] / max) * (height - 8);
                y -= h;
                return h > 0 ? (
                  <rect
                    key={key}
                    className={className}
                    x={i * barWidth + 1}
                    y={y}
                    width={Math.max(1, barWidth - 2)}
                    height={h}
                  />
                ) : null;
              })}
            </g>
          );
        })}
      </svg>
      <div className="axis-labels" aria-hidden="true">
        <span>{props.buckets[0] === undefined ? '' : props.label(props.buckets[0].start)}</span>
        <span>{props.buckets.at(-1) === undefined ? '' : props.label(props.buckets.at(-1)?.start ?? 0)}</span>
      </div>
      <figcaption>
        {props.caption}. Highest bar: {max} requests.{' '}
        <span className="legend">
          {SERIES.map((s) => (
            <span key={s.key}>
              <span className={`swatch ${s.className}`} aria-hidden="true" /> {s.label}
            </span>
          ))}
        </span>
      </figcaption>
    </figure>
  );
}

const day = (start: number) => new Date(start).toISOString().slice(0, 10);
const hour = (start: number) => `${new Date(start).toISOString().slice(0, 13).replace('T', ' ')}:00 UTC`;

/** The chart's two views: 30 UTC days, or 48 UTC hours. */
const VIEWS = {
  days: {
    choice: 'Per day, 30 days',
    caption: 'Requests per UTC day, last 30 days',
    unit: 'day',
    heading: 'Day (UTC)',
    label: day,
    count: 30,
    sizeMs: DAY_MS,
  },
  hours: {
    choice: 'Per hour, 48 hours',
    caption: 'Requests per UTC hour, last 48 hours',
    unit: 'hour',
    heading: 'Hour (UTC)',
    label: hour,
    count: 48,
    sizeMs: HOUR_MS,
  },
} as const;
type View = keyof typeof VIEWS;

/** A token's usage: when and from where it was last used, and its requests by outcome over 30 days. */
export function TokenUsageDialog(props: { integration: Integration; token: Token; onClose: () => void }) {
  const { api } = useSession();
  const now = useNow();
  const [view, setView] = useState<View>('days');
  const usage = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/integrations/{integrationId}/tokens/{tokenId}/usage', {
          params: { path: { integrationId: props.integration.id, tokenId: props.token.id } },
        }),
      ) as Promise<TokenUsage>,
    `usage:${props.token.id}`,
  );
  const data = usage.data;
  const shown = VIEWS[view];
  const to = data === undefined ? now : Date.parse(data.to);
  const buckets =
    data === undefined ? [] : bucketsOf(data, to - (shown.count - 1) * shown.sizeMs, to, shown.sizeMs);

  return (
    <Dialog title={`Usage of token “${props.token.name}”`} onClose={props.onClose} wide testId="token-usage">
      <ErrorNotice error={usage.error} title="The usage could not be loaded." onRetry={usage.reload} />
      {data === undefined && usage.loading && <Loading what="usage" />}
      {data !== undefined && (
        <>
          <UsageSummary usage={data} now={now} />
          <fieldset className="filter">
            <legend>Chart</legend>
            {(Object.keys(VIEWS) as View[]).map((key) => (
              <label key={key} className={view === key ? 'chosen' : undefined}>
                <input type="radio" name="usage-view" checked={view === key} onChange={() => setView(key)} />
                {VIEWS[key].choice}
              </label>
            ))}
          </fieldset>
          <UsageChart buckets={buckets} label={shown.label} caption={shown.caption} />
          <UsageNumbers usage={data} buckets={buckets} view={view} />
          <p className="hint">
            Counted by every service as it answers; the newest requests appear within seconds.
          </p>
        </>
      )}
      <div className="actions">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** The last use (when, from where, with which client) and the 30-day totals by outcome. */
function UsageSummary(props: { usage: TokenUsage; now: number }) {
  const { usage: data } = props;
  return (
    <dl className="summary">
      <dt>Last used</dt>
      <dd>
        {data.lastUsedAt === null ? (
          'Never'
        ) : (
          <>
            <RelativeTime iso={data.lastUsedAt} now={props.now} />
            {data.lastUsedAddress !== null && <> from {data.lastUsedAddress}</>}
          </>
        )}
        {data.stale && (
          <>
            {' '}
            <Badge tone="warn">Stale</Badge>
            <div className="sub">Not used for 90 days: revoke it if nothing needs it.</div>
          </>
        )}
      </dd>
      {data.lastUsedUserAgent !== null && (
        <>
          <dt>Client</dt>
          <dd>
            <code>{data.lastUsedUserAgent}</code>
          </dd>
        </>
      )}
      <dt>Last 30 days</dt>
      <dd data-testid="usage-totals">
        {data.totals.requests} requests: {data.totals.success} succeeded, {sum(data.totals.unauthorized)}{' '}
        refused with 401, {sum(data.totals.forbidden)} refused with 403, {data.totals.rateLimited} rate
        limited
      </dd>
    </dl>
  );
}

/** The refusals by code, and the chart's numbers as a table (its buckets with any requests). */
function UsageNumbers(props: { usage: TokenUsage; buckets: Bucket[]; view: View }) {
  const { totals } = props.usage;
  const shown = VIEWS[props.view];
  return (
    <details>
      <summary>Refusals by code, and the numbers per {shown.unit}</summary>
      <ul className="codes">
        {Object.entries({ ...totals.unauthorized, ...totals.forbidden }).map(([code, n]) => (
          <li key={code}>
            <code>{code}</code>: {n}
          </li>
        ))}
        <li>
          <code>RATE_LIMIT_EXCEEDED</code>: {totals.rateLimited}
        </li>
      </ul>
      <div className="table-scroll">
        <table className="list">
          <TableHead columns={[shown.heading, ...SERIES.map((s) => s.label)]} />
          <tbody>
            {props.buckets
              .filter((b) => sum(b.values) > 0)
              .map((b) => (
                <tr key={b.start}>
                  <th scope="row">{shown.label(b.start)}</th>
                  {SERIES.map((s) => (
                    <td key={s.key}>{b.values[s.key]}</td>
                  ))}
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
