import { Link } from 'react-router';
import type { Integration, Token } from '../api';
import { Dialog } from '../components/Dialog';
import { Badge, EmptyState, ErrorNotice, Loading } from '../components/feedback';
import { TableHead } from '../components/TableHead';
import { formatDateTime } from '../format';
import { useResource } from '../hooks';
import { useSession } from '../session';

/** The addresses one token was last used (and refused) from, newest first. */
export function TokenAddressesDialog(props: { integration: Integration; token: Token; onClose: () => void }) {
  const { api } = useSession();
  const { integration, token } = props;
  const addresses = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/integrations/{integrationId}/tokens/{tokenId}/addresses', {
          params: { path: { integrationId: integration.id, tokenId: token.id } },
        }),
      ),
    token.id,
  );
  const listed = integration.allowedAddresses;
  return (
    <Dialog title={`Addresses of token “${token.name}”`} onClose={props.onClose} testId="token-addresses">
      <div className="dialog-body">
        <p className="hint">
          The addresses it was last used from, as the platform&apos;s edge saw them (reported every few
          seconds, the 20 most recent).{' '}
          {listed.length === 0
            ? 'The integration has no IP allowlist: it works from any address.'
            : `The integration's IP allowlist has ${listed.length} ${listed.length === 1 ? 'entry' : 'entries'}.`}{' '}
          <Link to="../access" onClick={props.onClose}>
            Edit the IP allowlist
          </Link>
        </p>
        {addresses.data === undefined ? (
          addresses.error !== undefined ? (
            <ErrorNotice
              error={addresses.error}
              title="The addresses could not be loaded."
              onRetry={addresses.reload}
            />
          ) : (
            <Loading what="the addresses" />
          )
        ) : addresses.data.data.length === 0 ? (
          <EmptyState title="Not used yet">
            <p>Once the token is used, the addresses it was used from show here.</p>
          </EmptyState>
        ) : (
          <table className="list">
            <caption className="visually-hidden">Addresses of token {token.name}</caption>
            <TableHead columns={['Address', 'Last accepted', 'Last refused']} />
            <tbody>
              {addresses.data.data.map((row) => (
                <tr key={row.address}>
                  <td className="mono">{row.address}</td>
                  <td>{row.lastUsedAt === null ? '—' : formatDateTime(row.lastUsedAt)}</td>
                  <td>
                    {row.lastRefusedAt === null ? (
                      '—'
                    ) : (
                      <>
                        <Badge tone="danger">IP_NOT_ALLOWED</Badge> {formatDateTime(row.lastRefusedAt)}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="actions">
        <button type="button" onClick={props.onClose} autoFocus>
          Close
        </button>
      </div>
    </Dialog>
  );
}
