import type { ComponentProps } from 'react';
import { StyleSheet } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import type { ApiError } from '../../core/errors';
import { EmptyState, LoadingState } from '../../ui/kit';
import { colors } from '../../ui/theme';
import { describeLoadError } from './LibraryStates';

/**
 * A photo screen before it has a photo to show: still loading, the photo gone (`gone`, said as the
 * caller's screen says it), or a load that failed with Try again. Shared by the library's and an
 * album's photo screens.
 */
export function PhotoUnavailable(props: { loading: boolean; gone?: ComponentProps<typeof EmptyState>; loadError: ApiError | undefined; onRetry: () => void }) {
  return (
    <SafeAreaView style={styles.screen} edges={['bottom']}>
      {props.loading ? (
        <LoadingState label="Loading photo" />
      ) : props.gone ? (
        <EmptyState {...props.gone} />
      ) : (
        <EmptyState title="Could not open this photo" message={describeLoadError(props.loadError, 'this photo')} action={{ label: 'Try again', onPress: props.onRetry }} />
      )}
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
});
