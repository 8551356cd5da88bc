import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useServices } from '../app/session';
import { toApiError } from '../core/errors';
import type { Photo } from '../core/library';
import type { AppRoutes } from '../navigation/routes';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { Banner, Button, EmptyState, LoadingState } from '../ui/kit';
import { colors, space, type } from '../ui/theme';
import { describeLoadError, OfflineBanner } from './library/LibraryStates';
import { PhotoGrid } from './library/PhotoGrid';
import { formatDaysLeft, trashDaysLeft } from './library/photo-details';
import { usePhotoList } from './library/usePhotoList';

const RETENTION = 'Photos in the trash are deleted forever after 30 days.';
const daysLeftOf = (photo: Photo) => (photo.trashedAt ? formatDaysLeft(trashDaysLeft(photo.trashedAt)) : undefined);

/** Trashed photos, newest trashed first: open one to restore it, or empty the whole trash. */
export function TrashScreen({ navigation }: NativeStackScreenProps<AppRoutes, 'Trash'>) {
  const services = useServices();
  const list = usePhotoList('trash');
  const [confirming, setConfirming] = useState(false);
  const [emptying, setEmptying] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>();
  const openPhoto = useCallback((photo: Photo) => navigation.navigate('Photo', { id: photo.id, from: 'trash' }), [navigation]);

  const emptyTrash = async () => {
    setEmptying(true);
    setActionError(undefined);
    try {
      await services.library.emptyTrash();
      services.libraryChanged();
    } catch (error) {
      const failure = toApiError(error);
      setActionError(failure.isNetworkError ? 'You are offline. Empty the trash when you are connected again.' : (failure.detail ?? failure.title));
    } finally {
      setEmptying(false);
      setConfirming(false);
    }
  };

  const header = (
    <View style={styles.header}>
      <Text style={type.body}>{RETENTION}</Text>
      {actionError ? <Banner kind="error">{actionError}</Banner> : null}
      <Button variant="danger" label="Empty trash" onPress={() => setConfirming(true)} disabled={list.photos.length === 0} busy={emptying} style={styles.emptyButton} />
    </View>
  );

  let body;
  if (list.status === 'loading') body = <LoadingState label="Loading the trash" />;
  else if (list.status === 'error')
    body = <EmptyState title="Could not load the trash" message={describeLoadError(list.error, 'the trash')} action={{ label: 'Try again', onPress: list.refresh }} />;
  else if (list.photos.length === 0)
    body = (
      <>
        <OfflineBanner visible={list.offline} error={list.error} onRetry={list.refresh} />
        <EmptyState title="Trash is empty" message={`Photos you move to the trash stay here until you restore them. ${RETENTION}`} />
      </>
    );
  else
    body = (
      <PhotoGrid
        testID="trash-grid"
        photos={list.photos}
        byDay={false}
        onOpen={openPhoto}
        captionOf={daysLeftOf}
        paging={list}
        header={
          <>
            <OfflineBanner visible={list.offline} error={list.error} onRetry={list.refresh} />
            {header}
          </>
        }
      />
    );

  return (
    <SafeAreaView style={styles.screen} edges={['bottom']}>
      {body}
      <ConfirmDialog
        visible={confirming}
        title="Empty the trash?"
        message={`The ${list.photos.length === 1 ? 'photo' : `${list.photos.length}${list.hasMore ? '+' : ''} photos`} in the trash will be deleted forever. This cannot be undone.`}
        confirmLabel="Empty trash"
        destructive
        busy={emptying}
        onConfirm={emptyTrash}
        onCancel={() => setConfirming(false)}
      />
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  header: { padding: space.md, gap: space.md },
  emptyButton: { alignSelf: 'flex-start' },
});
