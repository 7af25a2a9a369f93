import { createContext, useCallback, useContext, useEffect, useState, type AnchorHTMLAttributes, type ReactNode } from 'react';

/** The portal's own path, where the dispatcher serves it; client routes live below it. */
export const BASE = '/portal';

interface RouterValue {
  /** The route below BASE, without leading or trailing slashes: '', 'endpoints/ep_1', 'logs'. */
  path: string;
  navigate(to: string): void;
}

const RouterContext = createContext<RouterValue>({ path: '', navigate: () => undefined });

function current(): string {
  const p = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : window.location.pathname;
  return p.replace(/^\/+|\/+$/g, '');
}

/** A small history-API router: the query string (theme) is kept across navigation; the dispatcher answers index.html for every client route. */
export function Router({ children }: { children: ReactNode }) {
  const [path, setPath] = useState(current);
  useEffect(() => {
    const onPop = () => setPath(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string) => {
    const clean = to.replace(/^\/+|\/+$/g, '');
    window.history.pushState(null, '', `${BASE}/${clean}${window.location.search}`);
    setPath(clean);
    window.scrollTo?.(0, 0);
  }, []);
  return <RouterContext.Provider value={{ path, navigate }}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterValue {
  return useContext(RouterContext);
}

/** A real link (middle-click, keyboard), navigated client-side on a plain click. */
export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { navigate } = useRouter();
  const href = `${BASE}/${to.replace(/^\/+/, '')}${typeof window !== 'undefined' ? window.location.search : ''}`;
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        rest.onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
