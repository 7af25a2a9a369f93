import { createContext, useCallback, useContext, useEffect, useState, type AnchorHTMLAttributes, type ReactNode } from 'react';

/** The portal's own path, where the dispatcher serves it; client routes live below it. */
export const BASE = '/portal';

interface RouterValue {
  /** The route below BASE, without leading or trailing slashes: '', 'endpoints/ep_1', 'logs'. */
  path: string;
  navigate(to: string): void;
}

/** The path without leading or trailing slashes (a loop: no regex backtracking on long runs of '/'). */
export function trimSlashes(path: string): string {
  let start = 0;
  let end = path.length;
  while (start < end && path[start] === '/') start += 1;
  while (end > start && path[end - 1] === '/') end -= 1;
  return path.slice(start, end);
}

const RouterContext = createContext<RouterValue>({ path: '', navigate: () => undefined });

function current(): string {
  const p = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : window.location.pathname;
  return trimSlashes(p);
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
    const clean = trimSlashes(to);
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
  const href = `${BASE}/${trimSlashes(to)}${typeof window !== 'undefined' ? window.location.search : ''}`;
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
