import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useLayoutEffect, useState } from 'react';
import { Platform, StyleSheet, useWindowDimensions } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import type { Photo } from '../core/library';
import type { AppRoutes } from '../navigation/routes';
import { ActionBar, TabBar } from '../ui/bars';
import { HeaderActions, HeaderButton } from '../ui/HeaderButton';
import { Button, EmptyState, LoadingState } from '../ui/kit';
import { colors } from '../ui/theme';
import { describeLoadError, OfflineBanner } from './library/LibraryStates';
import { PhotoGrid } from './library/PhotoGrid';
import { useCancelOnBack } from './library/useCancelOnBack';
import { UploadStrip } from './library/UploadStrip';
import { usePhotoList } from './library/usePhotoList';
import { useProcessingRefresh } from './library/useProcessingRefresh';

/** The timeline: every photo, newest first, by day; from the cache at once, then the server's. */
export function HomeScreen({ navigation }: NativeStackScreenProps<AppRoutes, 'Home'>) {
  const list = usePhotoList('timeline');
  useProcessingRefresh(list);
  const openUploads = useCallback(() => navigation.navigate('Uploading'), [navigation]);
  // Defined while selecting (a long press on a tile starts it): the chosen photos' ids.
  const [selected, setSelected] = useState<ReadonlySet<string> | undefined>();
  const toggle = useCallback((photo: Photo) => {
    setSelected((current) => {
      const next = new Set(current);
      if (!next.delete(photo.id)) next.add(photo.id);
      return next;
    });
  }, []);
  const openPhoto = useCallback(
    (photo: Photo) => (selected ? toggle(photo) : navigation.navigate('Photo', { id: photo.id, from: 'timeline' })),
    [navigation, selected, toggle],
  );
  const startSelecting = useCallback((photo: Photo) => setSelected((current) => current ?? new Set([photo.id])), []);
  const addToAlbum = () => {
    if (!selected || selected.size === 0) return;
    navigation.navigate('AddToAlbum', { photos: [...selected].join(',') });
    setSelected(undefined);
  };
  const cancelSelecting = useCallback(() => setSelected(undefined), []);
  useCancelOnBack(selected !== undefined, cancelSelecting);
  const narrow = useWindowDimensions().width < 420;

  useLayoutEffect(() => {
    navigation.setOptions({
      title: selected ? `${selected.size} selected` : 'Photos',
      headerRight: () =>
        selected ? (
          <HeaderActions>
            <HeaderButton label="Cancel" onPress={() => setSelected(undefined)} />
          </HeaderActions>
        ) : (
          <HeaderActions>
            {/* react-native-web draws no pull to refresh: the browser gets a button for it. */}
            {Platform.OS === 'web' ? <HeaderButton label="Refresh" text="↻" onPress={list.refresh} busy={list.refreshing} /> : null}
            {/* A phone's header has room for the title and three short words, not for "Upload photos". */}
            <HeaderButton label="Upload photos" text={narrow ? 'Upload' : undefined} onPress={openUploads} />
            {/* A long press selects too; this says it can be done (and is the way with a mouse). */}
            {list.photos.length > 0 ? <HeaderButton label="Select" onPress={() => setSelected(new Set())} /> : null}
            <HeaderButton label="Account" onPress={() => navigation.navigate('Account')} />
          </HeaderActions>
        ),
    });
  }, [navigation, openUploads, list.refresh, list.refreshing, list.photos.length, narrow, selected]);

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
        onLongPress={startSelecting}
        selected={selected}
        paging={list}
        header={<OfflineBanner visible={list.offline} error={list.error} onRetry={list.refresh} />}
      />
    );

  return (
    <SafeAreaView style={styles.screen} edges={[]}>
      <UploadStrip onOpen={openUploads} />
      {body}
      {selected ? (
        <ActionBar title={selected.size === 0 ? 'Select photos' : `${selected.size} selected`}>
          <Button label="Add to album" onPress={addToAlbum} disabled={selected.size === 0} />
        </ActionBar>
      ) : (
        <TabBar current="Home" onSelect={(name) => navigation.navigate(name)} />
      )}
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
});
