import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useLayoutEffect } from 'react';
import { ActivityIndicator, Platform, Pressable, StyleSheet, Text, useWindowDimensions, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import type { Photo } from '../core/library';
import type { AppRoutes } from '../navigation/routes';
import { EmptyState, LoadingState } from '../ui/kit';
import { colors, radius, space, TOUCH_TARGET } from '../ui/theme';
import { describeLoadError, OfflineBanner } from './library/LibraryStates';
import { PhotoGrid } from './library/PhotoGrid';
import { UploadStrip } from './library/UploadStrip';
import { usePhotoList } from './library/usePhotoList';
import { useProcessingRefresh } from './library/useProcessingRefresh';

/** The timeline: every photo, newest first, by day; from the cache at once, then the server's. */
export function HomeScreen({ navigation }: NativeStackScreenProps<AppRoutes, 'Home'>) {
  const list = usePhotoList('timeline');
  useProcessingRefresh(list);
  const openUploads = useCallback(() => navigation.navigate('Uploading'), [navigation]);
  const openPhoto = useCallback((photo: Photo) => navigation.navigate('Photo', { id: photo.id, from: 'timeline' }), [navigation]);
  const narrow = useWindowDimensions().width < 420;

  useLayoutEffect(() => {
    navigation.setOptions({
      headerRight: () => (
        <View style={styles.headerActions}>
          {/* react-native-web draws no pull to refresh: the browser gets a button for it. */}
          {Platform.OS === 'web' ? <HeaderButton label="Refresh" text="↻" onPress={list.refresh} busy={list.refreshing} /> : null}
          {/* A phone's header has room for the title and three short words, not for "Upload photos". */}
          <HeaderButton label="Upload photos" text={narrow ? 'Upload' : undefined} onPress={openUploads} />
          <HeaderButton label="Account" onPress={() => navigation.navigate('Account')} />
        </View>
      ),
    });
  }, [navigation, openUploads, list.refresh, list.refreshing, narrow]);

  let body;
  if (list.status === 'loading') body = <LoadingState label="Loading your photos" />;
  else if (list.status === 'error')
    body = <EmptyState title="Could not load your photos" message={describeLoadError(list.error, 'your photos')} action={{ label: 'Try again', onPress: list.refresh }} />;
  else if (list.photos.length === 0)
    body = (
      <>
        <OfflineBanner visible={list.offline} error={list.error} onRetry={list.refresh} />
        <EmptyState title="No photos yet" message="Photos you upload appear here, newest first." action={{ label: 'Upload photos', onPress: openUploads }} />
      </>
    );
  else
    body = (
      <PhotoGrid
        testID="photo-grid"
        photos={list.photos}
        byDay
        onOpen={openPhoto}
        refreshing={list.refreshing}
        onRefresh={list.refresh}
        onEndReached={list.loadMore}
        loadingMore={list.loadingMore}
        moreFailed={list.moreFailed}
        header={<OfflineBanner visible={list.offline} error={list.error} onRetry={list.refresh} />}
      />
    );

  return (
    <SafeAreaView style={styles.screen} edges={['bottom']}>
      <UploadStrip onOpen={openUploads} />
      {body}
    </SafeAreaView>
  );
}

/** A text button sized for a finger, as header actions look on both platforms (the kit's link role would misname it). */
/** `label` is what a screen reader says; `text`, when given, is the shorter thing drawn. */
function HeaderButton(props: { label: string; text?: string; onPress: () => void; busy?: boolean }) {
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={props.label}
      accessibilityState={{ busy: !!props.busy, disabled: !!props.busy }}
      disabled={props.busy}
      onPress={props.onPress}
      style={({ pressed }) => [styles.headerButton, pressed && styles.headerButtonPressed]}
    >
      {props.busy ? <ActivityIndicator color={colors.primary} /> : <Text style={[styles.headerButtonLabel, props.text === '↻' && styles.headerIcon]}>{props.text ?? props.label}</Text>}
    </Pressable>
  );
}

const styles = StyleSheet.create({
  headerButton: { minHeight: TOUCH_TARGET, minWidth: TOUCH_TARGET, paddingHorizontal: space.sm, borderRadius: radius.sm, alignItems: 'center', justifyContent: 'center' },
  headerButtonPressed: { backgroundColor: colors.placeholder },
  headerButtonLabel: { fontSize: 16, fontWeight: '600', color: colors.primary },
  screen: { flex: 1, backgroundColor: colors.background },
  headerIcon: { fontSize: 22 },
  headerActions: { flexDirection: 'row', alignItems: 'center', gap: space.xs, marginRight: space.sm },
});
