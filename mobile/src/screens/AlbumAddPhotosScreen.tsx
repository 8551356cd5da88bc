import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useLayoutEffect, useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useServices } from '../app/session';
import { describeBatch } from '../core/album-rules';
import { toApiError } from '../core/errors';
import type { Photo } from '../core/library';
import type { AppRoutes } from '../navigation/routes';
import { ActionBar } from '../ui/bars';
import { Banner, Button, EmptyState, LoadingState } from '../ui/kit';
import { colors, space, type } from '../ui/theme';
import { describeAlbumError } from './albums/album-errors';
import { useAlbum } from './albums/useAlbum';
import { describeLoadError, OfflineBanner } from './library/LibraryStates';
import { PhotoGrid } from './library/PhotoGrid';
import { usePhotoList } from './library/usePhotoList';

/** My timeline to pick from: tap photos, then add them to the album (only my own photos can be added). */
export function AlbumAddPhotosScreen({ route, navigation }: NativeStackScreenProps<AppRoutes, 'AlbumAddPhotos'>) {
  const { id } = route.params;
  const services = useServices();
  const { album } = useAlbum(id);
  const list = usePhotoList('timeline');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useLayoutEffect(() => {
    navigation.setOptions({ title: album ? `Add to ${album.name}` : 'Add photos' });
  }, [navigation, album]);

  const toggle = useCallback((photo: Photo) => {
    setSelected((current) => {
      const next = new Set(current);
      if (!next.delete(photo.id)) next.add(photo.id);
      return next;
    });
  }, []);

  const add = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const results = await services.albums.addPhotos(id, [...selected]);
      services.albumsChanged();
      navigation.popTo('Album', { id, notice: describeBatch(results, 'added').text });
    } catch (failure) {
      setError(describeAlbumError(toApiError(failure), 'Add the photos'));
    } finally {
      setBusy(false);
    }
  };

  let body;
  if (list.status === 'loading') body = <LoadingState label="Loading your photos" />;
  else if (list.status === 'error') body = <EmptyState title="Could not load your photos" message={describeLoadError(list.error, 'your photos')} action={{ label: 'Try again', onPress: list.refresh }} />;
  else if (list.photos.length === 0) body = <EmptyState title="No photos yet" message="Upload photos first, then add them to the album." />;
  else
    body = (
      <PhotoGrid
        testID="pick-grid"
        photos={list.photos}
        byDay
        onOpen={toggle}
        selected={selected}
        paging={list}
        header={
          <View style={styles.header}>
            <Text style={type.caption}>Tap the photos to add. Photos already in the album stay as they are.</Text>
            {error ? <Banner kind="error">{error}</Banner> : null}
            <OfflineBanner visible={list.offline} error={list.error} onRetry={list.refresh} />
          </View>
        }
      />
    );

  return (
    <SafeAreaView style={styles.screen} edges={[]}>
      {body}
      <ActionBar title={selected.size === 0 ? 'Select photos' : `${selected.size} selected`}>
        <Button label={selected.size > 0 ? `Add ${selected.size}` : 'Add'} onPress={() => void add()} busy={busy} disabled={selected.size === 0} />
      </ActionBar>
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  header: { padding: space.md, gap: space.sm },
});
