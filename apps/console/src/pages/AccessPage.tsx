import { useState } from 'react';
import { asApiError } from '../api';
import type { ApiError, Integration, Schemas } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Badge, EmptyState, ErrorNotice, Loading, Success, Warning } from '../components/feedback';
import { Field } from '../components/Field';
import { TableHead } from '../components/TableHead';
import { formatDate } from '../format';
import { useResource, useTitle } from '../hooks';
import { useSession } from '../session';
import { useIntegration } from './IntegrationLayout';

type SeenAddress = Schemas['IntegrationAddress'];

/** Most entries the API accepts. */
const MAX_ENTRIES = 100;

/** The entries of the text box: one per line (commas and spaces separate too). */
function entriesOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** The list as edited, what the last save stored, the save itself, and the API's refusals by entry. */
function useAllowlist(integration: Integration, reload: () => void) {
  const { api } = useSession();
  const [draft, setDraft] = useState(integration.allowedAddresses.join('\n'));
  const [error, setError] = useState<ApiError>();
  const [saved, setSaved] = useState(false);
  // What the last save stored: shown at once, not only after the integration is read again.
  const [savedList, setSavedList] = useState<string[]>();
  const entries = entriesOf(draft);
  const current = savedList ?? integration.allowedAddresses;

  async function save() {
    setError(undefined);
    setSaved(false);
    try {
      const updated = await api.call(() =>
        api.client.PATCH('/api/v1/admin/integrations/{integrationId}', {
          params: { path: { integrationId: integration.id } },
          body: { allowedAddresses: entries },
        }),
      );
      setDraft(updated.allowedAddresses.join('\n'));
      setSavedList(updated.allowedAddresses);
      setSaved(true);
      reload();
    } catch (err) {
      setError(asApiError(err));
      throw err;
    }
  }

  // The API names a bad entry by its position: say which one, as the admin wrote it.
  const entryErrors = (error?.fields ?? [])
    .map((issue) => {
      const index = /^allowedAddresses\[(\d+)\]$/.exec(issue.field)?.[1];
      return index === undefined ? issue.message : `“${entries[Number(index)] ?? ''}” ${issue.message}`;
    })
    .join(' ');

  return {
    draft,
    edit(text: string) {
      setDraft(text);
      setSaved(false);
    },
    add(address: string) {
      if (!entries.includes(address)) setDraft([...entries, address].join('\n'));
    },
    entries,
    current,
    changed: entries.join(',') !== current.join(','),
    save,
    saved,
    error,
    entryErrors: entryErrors === '' ? undefined : entryErrors,
  };
}

type Allowlist = ReturnType<typeof useAllowlist>;

/**
 * An integration's IP allowlist: the list, edited as text, and the addresses its tokens were used and
 * refused from, to build the list from real traffic before switching it on.
 */
export function AccessPage() {
  const { integration, reload } = useIntegration();
  useTitle('IP allowlist', integration.name);
  const list = useAllowlist(integration, reload);
  const { current } = list;
  const [confirming, setConfirming] = useState(false);

  return (
    <section aria-labelledby="access-title">
      <h2 id="access-title">IP allowlist</h2>
      <p className="lead">
        {current.length === 0 ? (
          <>
            <Badge tone="muted">Unrestricted</Badge> Its tokens work from any address.
          </>
        ) : (
          <>
            <Badge tone="info">Restricted</Badge> Its tokens work only from the {current.length}{' '}
            {current.length === 1 ? 'entry' : 'entries'} below; any other address is refused with 403
            IP_NOT_ALLOWED.
          </>
        )}
      </p>
      <AllowlistForm list={list} onSubmit={() => setConfirming(true)} />
      <SeenAddresses integrationId={integration.id} listed={list.entries} onAdd={list.add} />
      {confirming && (
        <AllowlistConfirmDialog
          entries={list.entries}
          onConfirm={list.save}
          onClose={() => setConfirming(false)}
        />
      )}
    </section>
  );
}

function AllowlistForm(props: { list: Allowlist; onSubmit: () => void }) {
  const { list } = props;
  const { entries, error } = list;
  return (
    <form
      className="narrow"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit();
      }}
    >
      {list.saved && <Success>Saved. Every service applies the list within about a second.</Success>}
      {error !== undefined && error.fields.length === 0 && (
        <ErrorNotice error={error} title="The list was not saved." />
      )}
      <Field
        label="Allowed addresses and ranges"
        optional
        hint={`One per line: IPv4 or IPv6 addresses, or CIDR ranges such as 203.0.113.0/24 or 2001:db8::/32; at most ${MAX_ENTRIES}. Empty: no restriction. The address is the one the platform's edge sees.`}
        error={list.entryErrors}
      >
        {(control) => (
          <textarea
            {...control}
            value={list.draft}
            rows={Math.min(12, Math.max(4, entries.length + 1))}
            maxLength={MAX_ENTRIES * 65}
            spellCheck={false}
            className="mono"
            onChange={(e) => list.edit(e.target.value)}
          />
        )}
      </Field>
      {entries.length > MAX_ENTRIES && (
        <Warning>
          {entries.length} entries: the list takes at most {MAX_ENTRIES}. Use CIDR ranges to cover several
          addresses.
        </Warning>
      )}
      <div className="actions start">
        <button type="submit" disabled={!list.changed}>
          Save allowlist
        </button>
      </div>
    </form>
  );
}

/** The addresses the integration's tokens were used from, each one a click away from the list. */
function SeenAddresses(props: { integrationId: string; listed: string[]; onAdd: (address: string) => void }) {
  const { api } = useSession();
  const seen = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/integrations/{integrationId}/addresses', {
          params: { path: { integrationId: props.integrationId } },
        }),
      ),
    props.integrationId,
  );
  return (
    <>
      <h3 id="seen-title">Addresses its tokens were used from</h3>
      <p className="hint">
        Reported by the services every few seconds; each token keeps its 20 most recent addresses. Build the
        list from these before switching it on.
      </p>
      {seen.data === undefined ? (
        seen.error !== undefined ? (
          <ErrorNotice error={seen.error} title="The addresses could not be loaded." onRetry={seen.reload} />
        ) : (
          <Loading what="the addresses" />
        )
      ) : seen.data.data.length === 0 ? (
        <EmptyState title="No use yet">
          <p>Once its tokens are used, the addresses they were used from show here.</p>
        </EmptyState>
      ) : (
        <SeenTable rows={seen.data.data} listed={props.listed} onAdd={props.onAdd} />
      )}
    </>
  );
}

function AllowlistConfirmDialog(props: {
  entries: string[];
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const { entries } = props;
  return (
    <ConfirmDialog
      title={entries.length === 0 ? 'Remove the IP allowlist?' : 'Save the IP allowlist?'}
      confirmLabel={entries.length === 0 ? 'Remove allowlist' : 'Save allowlist'}
      danger={entries.length > 0}
      onConfirm={props.onConfirm}
      onClose={props.onClose}
    >
      {entries.length === 0 ? (
        <p>Its tokens will work from any address again, within about a second.</p>
      ) : (
        <>
          <p>
            <strong>
              Within about a second, every service refuses this integration&apos;s tokens from any address
              outside these {entries.length} {entries.length === 1 ? 'entry' : 'entries'}
            </strong>{' '}
            with 403 IP_NOT_ALLOWED.
          </p>
          <ul className="mono">
            {entries.slice(0, 10).map((entry) => (
              <li key={entry}>{entry}</li>
            ))}
            {entries.length > 10 && <li>and {entries.length - 10} more</li>}
          </ul>
        </>
      )}
    </ConfirmDialog>
  );
}

function SeenTable(props: { rows: SeenAddress[]; listed: string[]; onAdd: (address: string) => void }) {
  return (
    <table className="list" aria-labelledby="seen-title">
      <TableHead columns={['Address', 'Last accepted', 'Last refused', 'Tokens']} actions />
      <tbody>
        {props.rows.map((row) => {
          const listed = props.listed.includes(row.address);
          return (
            <tr key={row.address}>
              <td className="mono">{row.address}</td>
              <td>{row.lastUsedAt === null ? '—' : formatDate(row.lastUsedAt)}</td>
              <td>
                {row.lastRefusedAt === null ? (
                  '—'
                ) : (
                  <>
                    <Badge tone="danger">Refused</Badge> {formatDate(row.lastRefusedAt)}
                  </>
                )}
              </td>
              <td>{row.tokens.map((token) => token.name).join(', ')}</td>
              <td>
                {listed ? (
                  <Badge tone="ok">Listed</Badge>
                ) : (
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() => props.onAdd(row.address)}
                    aria-label={`Add to list: ${row.address}`}
                  >
                    Add to list
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
