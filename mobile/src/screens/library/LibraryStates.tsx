import { StyleSheet, View } from 'react-native';
import type { ApiError } from '../../core/errors';
import { Banner } from '../../ui/kit';
import { space } from '../../ui/theme';

/** Why a list or photo could not be read, in a person's words. */
export function describeLoadError(error: ApiError | undefined, what: string): string {
  if (!error) return `Could not load ${what}.`;
  if (error.isNetworkError) return `You are offline and ${what} ${what.endsWith('s') ? 'are' : 'is'} not saved on this device yet.`;
  if (error.status >= 500) return `The server could not send ${what} right now. Try again in a moment.`;
  return error.detail ?? error.title;
}

/** The saved pages are on screen but the server could not be reached: a small notice, with a retry on web (no pull to refresh there). */
export function OfflineBanner(props: { visible: boolean; error: ApiError | undefined; onRetry: () => void }) {
  if (!props.visible) return null;
  const offline = !props.error || props.error.isNetworkError;
  return (
    <View style={styles.banner}>
      <Banner kind="warning" action={{ label: 'Try again', onPress: props.onRetry }} testID="offline-banner">
        {offline ? 'Offline — showing saved photos' : 'Could not refresh — showing saved photos'}
      </Banner>
    </View>
  );
}

const styles = StyleSheet.create({
  banner: { marginHorizontal: space.md, marginTop: space.md },
});
