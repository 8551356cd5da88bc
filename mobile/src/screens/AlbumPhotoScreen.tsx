import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useEffect, useLayoutEffect, useState } from 'react';
import { ScrollView, StyleSheet, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useServices } from '../app/session';
import { canRemovePhoto } from '../core/album-rules';
import { toApiError, type ApiError } from '../core/errors';
import type { AlbumPhoto } from '../core/sharing-types';
import type { AppRoutes } from '../navigation/routes';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { formatDateTime } from '../ui/format';
import { Banner, Button } from '../ui/kit';
import { colors, space } from '../ui/theme';
import { describeAlbumError } from './albums/album-errors';
import { useAlbum } from './albums/useAlbum';
import { DetailsTable } from './library/DetailsTable';
import { PhotoPreview } from './library/PhotoPreview';
import { PhotoUnavailable } from './library/PhotoUnavailable';

/** Who added the photo, as the details say it. */
export function addedByText(photo: AlbumPhoto, userId: string): string {
  const by = photo.addedBy;
  if (by.userId && by.userId === userId) return 'You';
  const name = by.name.trim() || 'Someone';
  return by.guest ? `${name} (guest, through a link)` : name;
}

/** One photo of an album: its preview, who added it and when, and what the caller's role allows with it. */
export function AlbumPhotoScreen({ route, navigation }: NativeStackScreenProps<AppRoutes, 'AlbumPhoto'>) {
  const { albumId, photoId } = route.params;
  const services = useServices();
  const { albums, user } = services;
  const { album, set: setAlbum } = useAlbum(albumId);
  const [photo, setPhoto] = useState<AlbumPhoto | undefined>();
  const [loadError, setLoadError] = useState<ApiError | undefined>();
  const [loading, setLoading] = useState(true);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | undefined>();

  const load = useCallback(() => {
    let active = true;
    setLoading(true);
    setLoadError(undefined);
    albums
      .findPhoto(albumId, photoId)
      .then((found) => active && setPhoto(found))
      .catch((error: unknown) => active && setLoadError(toApiError(error)))
      .finally(() => active && setLoading(false));
    return () => {
      active = false;
    };
  }, [albums, albumId, photoId]);
  useEffect(load, [load]);

  useLayoutEffect(() => {
    if (photo) navigation.setOptions({ title: photo.filename });
  }, [navigation, photo]);

  const back = () => (navigation.canGoBack() ? navigation.goBack() : navigation.navigate('Album', { id: albumId }));

  const setCover = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      setAlbum(await albums.update(albumId, { coverPhotoId: photoId }));
      services.albumsChanged();
      setMessage({ kind: 'success', text: 'This photo is now the album’s cover' });
    } catch (error) {
      setMessage({ kind: 'error', text: describeAlbumError(toApiError(error), 'Set the cover') });
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const [result] = await albums.removePhotos(albumId, [photoId]);
      services.albumsChanged();
      setConfirming(false);
      if (result && result.result !== 'removed') setMessage({ kind: 'error', text: 'This photo could not be removed from the album' });
      else back();
    } catch (error) {
      setConfirming(false);
      setMessage({ kind: 'error', text: describeAlbumError(toApiError(error), 'Remove the photo') });
    } finally {
      setBusy(false);
    }
  };

  if (!photo) {
    const gone = loadError ? undefined : { title: 'This photo is no longer in the album', action: { label: 'Back to the album', onPress: back } };
    return <PhotoUnavailable loading={loading} gone={gone} loadError={loadError} onRetry={load} />;
  }

  const role = album?.role ?? 'viewer';
  const details = [
    { label: 'File', value: photo.filename },
    { label: 'Taken', value: formatDateTime(photo.takenAt) },
    { label: 'Added by', value: addedByText(photo, user.userId) },
    ...(photo.addedAt ? [{ label: 'Added', value: formatDateTime(photo.addedAt) }] : []),
  ];

  return (
    <SafeAreaView style={styles.screen} edges={['bottom']}>
      <ScrollView contentContainerStyle={styles.scroll}>
        <PhotoPreview photo={photo} />
        <View style={styles.body}>
          {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
          <DetailsTable details={details} />
          {role === 'owner' ? (
            <Button variant="secondary" label="Set as cover" onPress={() => void setCover()} busy={busy && !confirming} disabled={album?.cover?.photoId === photoId} />
          ) : null}
          {canRemovePhoto(role, photo, user.userId) ? <Button variant="danger" label="Remove from album" onPress={() => setConfirming(true)} disabled={busy} /> : null}
        </View>
      </ScrollView>
      <ConfirmDialog
        visible={confirming}
        title="Remove from the album?"
        message={`“${photo.filename}” leaves this album. It stays in its owner's library.`}
        confirmLabel="Remove"
        destructive
        busy={busy}
        onConfirm={() => void remove()}
        onCancel={() => setConfirming(false)}
      />
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  scroll: { paddingBottom: space.xl },
  body: { width: '100%', maxWidth: 640, alignSelf: 'center', padding: space.lg, gap: space.md },
});
