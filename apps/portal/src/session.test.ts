import { describe, expect, it, vi } from 'vitest';
import { TOKEN_STORAGE_KEY, takeToken } from './session';

describe('takeToken', () => {
  it('takes the key from the fragment, keeps it in sessionStorage and removes the fragment', () => {
    const replaceState = vi.fn();
    const token = takeToken({ hash: '#key=tok_abc.123', pathname: '/portal', search: '?darkMode=true' }, window.sessionStorage, { replaceState, state: null });
    expect(token).toBe('tok_abc.123');
    expect(window.sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe('tok_abc.123');
    expect(replaceState).toHaveBeenCalledWith(null, '', '/portal?darkMode=true');
  });

  it('falls back to the token kept in this tab, leaving the URL alone', () => {
    window.sessionStorage.setItem(TOKEN_STORAGE_KEY, 'kept');
    const replaceState = vi.fn();
    expect(takeToken({ hash: '', pathname: '/portal/logs', search: '' }, window.sessionStorage, { replaceState, state: null })).toBe('kept');
    expect(replaceState).not.toHaveBeenCalled();
  });

  it('answers null without a fragment or a kept token', () => {
    expect(takeToken({ hash: '#other=1', pathname: '/portal', search: '' }, window.sessionStorage, { replaceState: vi.fn(), state: null })).toBeNull();
  });
});
