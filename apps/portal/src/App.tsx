import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type CSSProperties, type ReactNode } from 'react';
import { ApiError, createApi, unwrap, type Api } from './api/client';
import type { PortalSession } from './capabilities';
import { ErrorState, Loading } from './components/ui';
import { EditEndpointPage, EndpointDetailPage, NewEndpointPage } from './pages/EndpointDetail';
import { EndpointsPage } from './pages/Endpoints';
import { HealthPage } from './pages/Health';
import { LogsPage } from './pages/Logs';
import { MessageDetailPage } from './pages/MessageDetail';
import { TestingPage } from './pages/Testing';
import { PortalContext } from './portal-context';
import { Link, Router, useRouter } from './router';
import { forgetToken } from './session';
import { resolveTheme, type Theme } from './theme';

/** Who the token is: GET /api/v1/auth/portal-session. */
export function loadSession(api: Api): Promise<PortalSession> {
  return unwrap(api.GET('/api/v1/auth/portal-session'));
}

function themeStyle(theme: Theme): CSSProperties {
  return { '--primary': theme.primaryColor, '--on-primary': theme.onPrimary } as CSSProperties;
}

/** A page for the states where there is no portal to show: no link, an expired link, signed out. */
export function Notice({ title, children, theme }: { title: string; children: ReactNode; theme: Theme }) {
  return (
    <div className={`portal ${theme.dark ? 'dark' : 'light'}`} style={themeStyle(theme)}>
      <main className="notice" id="main">
        <h1>{title}</h1>
        {children}
      </main>
    </div>
  );
}

function Routes() {
  const { path } = useRouter();
  const parts = path.split('/').filter(Boolean);
  const [first = 'endpoints', second, third, fourth] = parts;
  switch (first) {
    case 'endpoints':
      if (second === 'new') return <NewEndpointPage />;
      if (second && third === 'edit') return <EditEndpointPage endpointId={second} />;
      if (second) return <EndpointDetailPage key={second} endpointId={second} />;
      return <EndpointsPage />;
    case 'logs':
      return <LogsPage key={third ?? ''} endpointId={second === 'endpoint' && third ? third : ''} />;
    case 'messages':
      return second ? <MessageDetailPage key={second} msgId={second} /> : <LogsPage />;
    case 'testing':
      return <TestingPage />;
    case 'health':
      return <HealthPage />;
    default:
      void fourth;
      return (
        <section>
          <h1 id="page-title">Page not found</h1>
          <p>
            <Link to="endpoints">Go to endpoints</Link>
          </p>
        </section>
      );
  }
}

const NAV = [
  { to: 'endpoints', label: 'Endpoints', match: ['endpoints'] },
  { to: 'logs', label: 'Logs', match: ['logs', 'messages'] },
  { to: 'testing', label: 'Testing', match: ['testing'] },
  { to: 'health', label: 'Health', match: ['health'] },
];

function Shell({ session, theme, onLogout }: { session: PortalSession; theme: Theme; onLogout(): void }) {
  const { path } = useRouter();
  const section = path.split('/')[0] || 'endpoints';
  return (
    <div className={`portal ${theme.dark ? 'dark' : 'light'}`} style={themeStyle(theme)}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          {theme.logo ? <img src={theme.logo} alt={`${session.appName} logo`} className="logo" /> : <span className="logo-dot" aria-hidden="true" />}
          <span className="app-name" data-testid="app-name">
            {session.appName}
          </span>
          {session.readOnly && <span className="badge badge-pending">Read-only</span>}
        </div>
        <nav aria-label="Portal">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={n.match.includes(section) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="btn btn-quiet" onClick={onLogout}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes />
      </main>
    </div>
  );
}

function Portal({ api, theme: baseTheme, onAuthLost }: { api: Api; theme: (metadata: Record<string, string>) => Theme; onAuthLost(kind: 'expired' | 'signed-out'): void }) {
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: ['session'], queryFn: () => loadSession(api), retry: false, staleTime: Infinity });
  // Any call answered 401 means the token expired or was revoked while the portal was open.
  useEffect(
    () =>
      queryClient.getQueryCache().subscribe((event) => {
        const error = event.query.state.error;
        if (error instanceof ApiError && error.isAuth) onAuthLost('expired');
      }),
    [queryClient, onAuthLost],
  );
  useEffect(
    () =>
      queryClient.getMutationCache().subscribe((event) => {
        const error = event.mutation?.state.error;
        if (error instanceof ApiError && error.isAuth) onAuthLost('expired');
      }),
    [queryClient, onAuthLost],
  );
  const fallback = baseTheme({});
  if (session.isPending)
    return (
      <Notice title="Webhooks" theme={fallback}>
        <Loading what="your portal" />
      </Notice>
    );
  if (session.isError)
    return (
      <Notice title="Webhooks" theme={fallback}>
        <ErrorState error={session.error} retry={() => void session.refetch()} />
      </Notice>
    );
  const theme = baseTheme(session.data.metadata ?? {});
  const logout = async () => {
    await api.POST('/api/v1/auth/logout').catch(() => undefined);
    onAuthLost('signed-out');
  };
  return (
    <PortalContext.Provider value={{ api, session: session.data }}>
      <Shell session={session.data} theme={theme} onLogout={() => void logout()} />
    </PortalContext.Provider>
  );
}

export interface AppProps {
  token: string | null;
  /** The dispatcher's origin (tests); default this page's. */
  baseUrl?: string;
  fetch?: typeof fetch;
  search?: string;
  prefersDark?: boolean;
}

export function App({ token, baseUrl, fetch: fetchImpl, search = window.location.search, prefersDark = false }: AppProps) {
  const [lost, setLost] = useState<'expired' | 'signed-out' | null>(null);
  const api = useMemo(() => (token ? createApi(token, { baseUrl, fetch: fetchImpl }) : null), [token, baseUrl, fetchImpl]);
  const queryClient = useMemo(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2, refetchOnWindowFocus: true },
        },
      }),
    [],
  );
  const theme = (metadata: Record<string, string>) => resolveTheme(search, metadata, prefersDark);
  const onAuthLost = useMemo(
    () => (kind: 'expired' | 'signed-out') => {
      forgetToken();
      queryClient.clear();
      setLost(kind);
    },
    [queryClient],
  );

  if (!api)
    return (
      <Notice title="No access key" theme={theme({})}>
        <p>This page opens from a link that carries an access key. Ask the service that sent you here for a new portal link.</p>
      </Notice>
    );
  if (lost === 'expired')
    return (
      <Notice title="This link has expired" theme={theme({})}>
        <p data-testid="expired">Your access to this portal has expired or was revoked. Ask the service that sent you here for a new portal link.</p>
      </Notice>
    );
  if (lost === 'signed-out')
    return (
      <Notice title="Signed out" theme={theme({})}>
        <p>You are signed out. Open a new portal link to come back.</p>
      </Notice>
    );
  return (
    <QueryClientProvider client={queryClient}>
      <Router>
        <Portal api={api} theme={theme} onAuthLost={onAuthLost} />
      </Router>
    </QueryClientProvider>
  );
}
