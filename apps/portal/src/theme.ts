/** The portal's look: a brand colour, a logo and light or dark, from the url's query or the application's metadata (the query wins). */
export interface Theme {
  primaryColor: string;
  /** Text colour on the brand colour (black or white, whichever contrasts more). */
  onPrimary: string;
  logo: string | null;
  dark: boolean;
}

export const DEFAULT_PRIMARY = '#2563eb';

function color(value: string | null | undefined): string | null {
  if (!value) return null;
  const hex = value.trim().replace(/^#/, '');
  return /^([0-9a-f]{3}|[0-9a-f]{6})$/i.test(hex) ? `#${hex.toLowerCase()}` : null;
}

function httpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function bool(value: string | null | undefined): boolean | null {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return null;
}

/** Relative luminance (WCAG 2) of a #rgb or #rrggbb colour. */
export function luminance(hex: string): number {
  const h = hex.replace('#', '');
  const full =
    h.length === 3
      ? h
          .split('')
          .map((c) => c + c)
          .join('')
      : h;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastText(hex: string): string {
  const l = luminance(hex);
  // Contrast against white (1.05 / (l + 0.05)) versus black ((l + 0.05) / 0.05).
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#ffffff' : '#000000';
}

/** Svix-style query (`?primaryColor=ff5500&logo=https://…&darkMode=true`), then metadata (`primaryColor`, `logo`, `darkMode`), then defaults. */
export function resolveTheme(search: string, metadata: Record<string, string> = {}, prefersDark = false): Theme {
  const query = new URLSearchParams(search);
  const primaryColor = color(query.get('primaryColor')) ?? color(metadata.primaryColor) ?? DEFAULT_PRIMARY;
  return {
    primaryColor,
    onPrimary: contrastText(primaryColor),
    logo: httpUrl(query.get('logo')) ?? httpUrl(metadata.logo),
    dark: bool(query.get('darkMode')) ?? bool(metadata.darkMode) ?? prefersDark,
  };
}
