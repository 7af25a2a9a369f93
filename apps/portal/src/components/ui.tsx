import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      Loading {what}…
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof Error ? error.message : 'Something went wrong';
  return (
    <div className="state state-error" role="alert">
      <strong>Could not load this.</strong> {message}
      {retry && (
        <button type="button" className="btn" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

/** A mutation's error, shown beside the control that caused it. */
export function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return (
    <p className="inline-error" role="alert">
      {message}
    </p>
  );
}

/** Svix MessageStatus: 0 success, 1 pending, 2 fail, 3 sending. */
export const STATUS_NAMES: Record<number, string> = { 0: 'Succeeded', 1: 'Pending', 2: 'Failed', 3: 'Sending', 4: 'Canceled' };

export function StatusBadge({ status }: { status: number }) {
  const name = STATUS_NAMES[status] ?? `Status ${status}`;
  const kind = status === 0 ? 'ok' : status === 2 ? 'fail' : 'pending';
  return <span className={`badge badge-${kind}`}>{name}</span>;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function Json({ value, label }: { value: unknown; label: string }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return (
    // A scrollable block must be reachable by keyboard (axe: scrollable-region-focusable); the section carries its name.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: see above
    <section className="code" tabIndex={0} aria-label={label}>
      <pre>{text}</pre>
    </section>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      <div className="page-actions">{children}</div>
    </div>
  );
}
