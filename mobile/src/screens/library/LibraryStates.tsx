import { Pressable, StyleSheet, Text, View } from 'react-native';
import type { ApiError } from '../../core/errors';
import { colors, radius, space, TOUCH_TARGET } from '../../ui/theme';

/** Why a list or photo could not be read, in a person's words. */
export function describeLoadError(error: ApiError | undefined, what: string): string {
  if (!error) return `Could not load ${what}.`;
  if (error.isNetworkError) return `You are offline and ${what} ${what.endsWith('s') ? 'are' : 'is'} not saved on this device yet.`;
  if (error.status >= 500) return `The server could not send ${what} right now. Try again in a moment.`;
  return error.detail ?? error.title;
}

/**
 * The saved pages are on screen but the server could not be reached: one small line above the grid,
 * with Try again (the web has no pull to refresh).
 */
export function OfflineBanner(props: { visible: boolean; error: ApiError | undefined; onRetry: () => void; what?: string }) {
  if (!props.visible) return null;
  const offline = !props.error || props.error.isNetworkError;
  const what = props.what ?? 'photos';
  return (
    <View style={styles.banner} accessibilityLiveRegion="polite" testID="offline-banner">
      <Text style={styles.text}>{offline ? `Offline — showing saved ${what}` : `Could not refresh — showing saved ${what}`}</Text>
      <Pressable accessibilityRole="button" accessibilityLabel="Try again" onPress={props.onRetry} style={({ pressed }) => [styles.action, pressed && styles.pressed]}>
        <Text style={[styles.text, styles.actionText]}>Try again</Text>
      </Pressable>
    </View>
  );
}

const styles = StyleSheet.create({
  banner: {
    marginHorizontal: space.md,
    marginTop: space.md,
    paddingLeft: space.md,
    borderRadius: radius.sm,
    borderWidth: 1,
    borderColor: colors.warning,
    backgroundColor: colors.warningSurface,
    flexDirection: 'row',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: space.sm,
  },
  text: { fontSize: 14, color: colors.warning, flexShrink: 1 },
  action: { minHeight: TOUCH_TARGET, minWidth: TOUCH_TARGET, paddingHorizontal: space.md, justifyContent: 'center' },
  actionText: { fontWeight: '700' },
  pressed: { opacity: 0.7 },
});
