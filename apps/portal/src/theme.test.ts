import { describe, expect, it } from 'vitest';
import { DEFAULT_PRIMARY, contrastText, resolveTheme } from './theme';

describe('resolveTheme', () => {
  it('reads primaryColor, logo and darkMode from the query, Svix-style', () => {
    const theme = resolveTheme('?primaryColor=ff5500&logo=https%3A%2F%2Fcdn.example.com%2Flogo.png&darkMode=true', {});
    expect(theme).toEqual({ primaryColor: '#ff5500', onPrimary: '#000000', logo: 'https://cdn.example.com/logo.png', dark: true });
  });

  it('falls back to the application metadata, and the query wins over it', () => {
    const metadata = { primaryColor: '#123456', logo: 'https://example.com/a.svg', darkMode: 'true' };
    expect(resolveTheme('', metadata)).toMatchObject({ primaryColor: '#123456', logo: 'https://example.com/a.svg', dark: true });
    expect(resolveTheme('?darkMode=false&primaryColor=%23abcdef', metadata)).toMatchObject({ primaryColor: '#abcdef', dark: false });
  });

  it('ignores values that are not colours or http(s) URLs', () => {
    const theme = resolveTheme('?primaryColor=red;background:url(x)&logo=javascript:alert(1)', {}, true);
    expect(theme).toMatchObject({ primaryColor: DEFAULT_PRIMARY, logo: null, dark: true });
  });

  it('picks the text colour with the higher contrast', () => {
    expect(contrastText('#ffff00')).toBe('#000000');
    expect(contrastText('#1e3a8a')).toBe('#ffffff');
  });
});
