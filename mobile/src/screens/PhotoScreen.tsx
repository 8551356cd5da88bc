import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useEffect, useLayoutEffect, useState } from 'react';
import { ScrollView, StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useServices } from '../app/session';
import { toApiError, type ApiError } from '../core/errors';
import type { Photo } from '../core/library';
import type { AppRoutes } from '../navigation/routes';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { Banner, Button } from '../ui/kit';
import { colors, space, type } from '../ui/theme';
import { DetailsTable } from './library/DetailsTable';
import { photoDetails, trashNotice } from './library/photo-details';
import { PhotoPreview } from './library/PhotoPreview';
import { PhotoUnavailable } from './library/PhotoUnavailable';

const GONE = 'This photo is no longer in your library';
/** Label and value stay close enough to read across on a wide window. */
const DETAILS_MAX_WIDTH = 640;

/** Why an action on the photo failed, in a person's words. */
function describeActionError(error: ApiError, action: string): string {
  if (error.status === 404) return GONE;
  if (error.isNetworkError) return `You are offline. ${action} when you are connected again.`;
  return error.detail ?? error.title;
}

/** The viewer: the preview on a dark backdrop, what is known about the photo, and trash or restore. */
export function PhotoScreen({ route, navigation }: NativeStackScreenProps<AppRoutes, 'Photo'>) {
  const { id, from } = route.params;
  const services = useServices();
  const { library } = services;
  const [photo, setPhoto] = useState<Photo | undefined>();
  const [loadError, setLoadError] = useState<ApiError | undefined>();
  const [loading, setLoading] = useState(true);
  const [actionError, setActionError] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    let active = true;
    setLoading(true);
    setLoadError(undefined);
    void (async () => {
      const result = await library.photo(id);
      if (!active) return;
      if (result.cached) setPhoto(result.cached.value);
      try {
        const fresh = await result.fresh;
        if (active) setPhoto(fresh);
      } catch (error) {
        if (active) setLoadError(toApiError(error));
      } finally {
        if (active) setLoading(false);
      }
    })();
    return () => {
      active = false;
    };
  }, [id, library]);

  useEffect(load, [load]);

  useLayoutEffect(() => {
    if (photo) navigation.setOptions({ title: photo.filename });
  }, [navigation, photo]);

  // A web URL opened directly has no screen to go back to.
  const leave = useCallback(
    (to: 'Home' | 'Trash') => (navigation.canGoBack() ? navigation.goBack() : navigation.navigate(to)),
    [navigation],
  );

  const inTrash = photo ? photo.trashedAt !== undefined : from === 'trash';
  const gone = loadError?.status === 404;

  const moveToTrash = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      await library.moveToTrash(id);
      services.libraryChanged();
      setConfirming(false);
      leave('Home');
    } catch (error) {
      setConfirming(false);
      setActionError(describeActionError(toApiError(error), 'Move it to the trash'));
      if (toApiError(error).status === 404) services.libraryChanged();
    } finally {
      setBusy(false);
    }
  };

  const restore = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      await library.restore(id);
      services.libraryChanged();
      leave('Trash');
    } catch (error) {
      setActionError(describeActionError(toApiError(error), 'Restore it'));
    } finally {
      setBusy(false);
    }
  };

  if (!photo) {
    const goneState = gone ? { title: GONE, message: 'It may have been deleted on another device.', action: { label: 'Back to photos', onPress: () => leave('Home') } } : undefined;
    return <PhotoUnavailable loading={loading} gone={goneState} loadError={loadError} onRetry={load} />;
  }


  return (
    <SafeAreaView style={styles.screen} edges={['bottom']}>
      <ScrollView contentContainerStyle={styles.scroll}>
        <PhotoPreview photo={photo} />
        <View style={styles.body}>
          {gone ? <Banner kind="error">{GONE}</Banner> : null}
          {actionError ? <Banner kind="error">{actionError}</Banner> : null}
          {loadError && !gone ? (
            <Banner kind="warning" action={{ label: 'Try again', onPress: load }}>
              {loadError.isNetworkError ? 'Offline — showing saved details' : 'Could not refresh these details'}
            </Banner>
          ) : null}
          {inTrash ? <Text style={type.body}>{trashNotice(photo.trashedAt)}</Text> : null}
          <DetailsTable details={photoDetails(photo)} />
          {inTrash ? (
            <Button label="Restore" onPress={restore} busy={busy} disabled={gone} />
          ) : (
            <>
              <Button variant="secondary" label="Add to album" onPress={() => navigation.navigate('AddToAlbum', { photos: id })} disabled={gone || busy || photo.status !== 'ready'} />
              <Button variant="danger" label="Move to trash" onPress={() => setConfirming(true)} disabled={gone || busy} />
            </>
          )}
        </View>
      </ScrollView>
      <ConfirmDialog
        visible={confirming}
        title="Move to trash?"
        message={`“${photo.filename}” will be deleted forever after 30 days in the trash. You can restore it until then.`}
        confirmLabel="Move to trash"
        destructive
        busy={busy}
        onConfirm={moveToTrash}
        onCancel={() => setConfirming(false)}
      />
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  scroll: { paddingBottom: space.xl },
  body: { width: '100%', maxWidth: DETAILS_MAX_WIDTH, alignSelf: 'center', padding: space.lg, gap: space.md },
});
