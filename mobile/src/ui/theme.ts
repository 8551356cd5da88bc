import { Platform } from 'react-native';

/**
 * One palette, one spacing scale, one type scale: every screen takes its look from here so the app
 * stays consistent. Text colours meet WCAG AA (4.5:1) on their backgrounds; `muted` is 5.9:1 on white.
 */
export const colors = {
  background: '#f6f7fb',
  surface: '#ffffff',
  text: '#14161f',
  muted: '#545b6e',
  border: '#d9dce6',
  primary: '#3d4fd6',
  primaryPressed: '#2f3fb3',
  onPrimary: '#ffffff',
  danger: '#b3261e',
  dangerSurface: '#fdecea',
  success: '#1e6b3a',
  successSurface: '#e6f4ea',
  warning: '#7a4b00',
  warningSurface: '#fff4e0',
  placeholder: '#e4e7f0',
} as const;

export const space = { xs: 4, sm: 8, md: 12, lg: 16, xl: 24, xxl: 32 } as const;

export const radius = { sm: 8, md: 12, lg: 20 } as const;

export const type = {
  title: { fontSize: 28, fontWeight: '700' as const, color: colors.text },
  heading: { fontSize: 20, fontWeight: '700' as const, color: colors.text },
  body: { fontSize: 16, color: colors.text },
  label: { fontSize: 14, fontWeight: '600' as const, color: colors.text },
  caption: { fontSize: 13, color: colors.muted },
};

/** Apple's and Android's guidance: nothing a finger must hit is smaller than 44 points. */
export const TOUCH_TARGET = 44;

/** Forms and lists stay readable on a wide browser window. */
export const CONTENT_MAX_WIDTH = Platform.OS === 'web' ? 960 : undefined;
export const FORM_MAX_WIDTH = 420;
