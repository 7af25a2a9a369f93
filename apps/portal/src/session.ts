/** Where the portal keeps its access token for this tab (never localStorage: it dies with the tab). */
export const TOKEN_STORAGE_KEY = 'switchyard.portal.token';

/**
 * The access token: taken from the URL fragment (`#key=<token>`, as the dispatcher's portal links
 * carry it) and kept in sessionStorage, after which the fragment is removed from the address bar
 * and history, so that it is neither bookmarked nor copied along. Without a fragment, the token
 * kept earlier in this tab (a reload, a client route).
 */
export function takeToken(
  location: Pick<Location, 'hash' | 'pathname' | 'search'> = window.location,
  storage: Storage = window.sessionStorage,
  history: Pick<History, 'replaceState' | 'state'> = window.history,
): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromUrl = fragment.get('key');
  if (fromUrl) {
    storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    return fromUrl;
  }
  return storage.getItem(TOKEN_STORAGE_KEY);
}

export function forgetToken(storage: Storage = window.sessionStorage): void {
  storage.removeItem(TOKEN_STORAGE_KEY);
}
