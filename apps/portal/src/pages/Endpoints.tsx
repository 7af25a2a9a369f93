import { can } from '../capabilities';
import { Empty, ErrorState, Loading, PageHeader } from '../components/ui';
import { usePortal } from '../portal-context';
import { useEndpoints } from '../queries';
import { Link } from '../router';

export function EndpointsPage() {
  const { session } = usePortal();
  const endpoints = useEndpoints();
  const mayManage = can(session, 'manageEndpoint');
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Endpoints">
        {mayManage && (
          <Link to="endpoints/new" className="btn btn-primary">
            Add endpoint
          </Link>
        )}
      </PageHeader>
      {endpoints.isPending ? (
        <Loading what="endpoints" />
      ) : endpoints.isError ? (
        <ErrorState error={endpoints.error} retry={() => void endpoints.refetch()} />
      ) : endpoints.data.data.length === 0 ? (
        <Empty title="No endpoints yet">
          <p>{mayManage ? 'Add an endpoint to start receiving webhooks.' : 'No endpoint receives webhooks for this application.'}</p>
        </Empty>
      ) : (
        <table className="table">
          <caption className="sr-only">Endpoints of this application</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Description</th>
              <th scope="col">Event types</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.data.map((ep) => (
              <tr key={ep.id}>
                <td>
                  <Link to={`endpoints/${ep.id}`} className="mono">
                    {ep.url}
                  </Link>
                </td>
                <td>{ep.description || <span className="muted">—</span>}</td>
                <td>{ep.filterTypes?.length ? ep.filterTypes.join(', ') : <span className="muted">all</span>}</td>
                <td>{ep.disabled ? <span className="badge badge-fail">Disabled</span> : <span className="badge badge-ok">Enabled</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
