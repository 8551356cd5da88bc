import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useEffect, useLayoutEffect, useMemo, useState } from 'react';
import { Platform, StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useServices } from '../app/session';
import { abilitiesOf, addedByLabel, albumNameError, canRemovePhoto, describeBatch, photoCount } from '../core/album-rules';
import { toApiError } from '../core/errors';
import type { Photo } from '../core/library';
import type { AlbumPhoto } from '../core/sharing-types';
import type { AppRoutes } from '../navigation/routes';
import { ActionBar } from '../ui/bars';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { HeaderActions, HeaderButton } from '../ui/HeaderButton';
import { Banner, Button, EmptyState, LoadingState } from '../ui/kit';
import { NameDialog } from '../ui/NameDialog';
import { colors, space, type } from '../ui/theme';
import { ALBUM_GONE, describeAlbumError } from './albums/album-errors';
import { useAlbum } from './albums/useAlbum';
import { usePagedList } from './albums/usePagedList';
import { describeLoadError, OfflineBanner } from './library/LibraryStates';
import { PhotoGrid } from './library/PhotoGrid';
import { useCancelOnBack } from './library/useCancelOnBack';

const GONE = ALBUM_GONE;
const ROLE_LINE = { owner: undefined, link: undefined, contributor: 'You can add your own photos and remove the ones you added.', viewer: 'You can view the photos.' } as const;

type Dialog = 'rename' | 'delete' | 'leave' | 'remove' | undefined;

/** An album: its photos as a grid with who added each, and what the caller's role allows. */
export function AlbumScreen({ route, navigation }: NativeStackScreenProps<AppRoutes, 'Album'>) {
  const { id, notice } = route.params;
  const services = useServices();
  const { albums, user } = services;
  const { album, error: albumError, loading, set: setAlbum } = useAlbum(id);
  const subscribe = useCallback(
    (listener: () => void) => {
      const offAlbums = services.onAlbumsChanged(listener);
      const offLibrary = services.onLibraryChanged(listener);
      return () => {
        offAlbums();
        offLibrary();
      };
    },
    [services],
  );
  const load = useCallback((cursor?: string) => albums.photos(id, cursor), [albums, id]);
  const list = usePagedList<AlbumPhoto>(load, subscribe);
  const [selected, setSelected] = useState<ReadonlySet<string> | undefined>();
  const [dialog, setDialog] = useState<Dialog>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | undefined>(notice ? { kind: 'success', text: notice } : undefined);

  useEffect(() => {
    if (notice) {
      setMessage({ kind: 'success', text: notice });
      navigation.setParams({ notice: undefined });
    }
  }, [notice, navigation]);

  const role = album?.role ?? 'viewer';
  const can = abilitiesOf(role);
  const gone = albumError?.status === 404;
  // Owners and contributors select photos (to remove them, or set the cover); viewers have nothing to do with a selection.
  const selectable = (can.manage || can.addPhotos) && !gone && list.items.length > 0;

  useLayoutEffect(() => {
    navigation.setOptions({
      title: selected ? `${selected.size} selected` : (album?.name ?? 'Album'),
      headerRight: () => (
        <HeaderActions>
          {selected ? (
            <HeaderButton label="Cancel" onPress={() => setSelected(undefined)} />
          ) : (
            <>
              {selectable ? <HeaderButton label="Select" onPress={() => setSelected(new Set())} /> : null}
              {can.share && !gone ? <HeaderButton label="Share" onPress={() => navigation.navigate('AlbumShare', { id })} /> : null}
            </>
          )}
        </HeaderActions>
      ),
    });
  }, [navigation, album?.name, selected, selectable, can.share, gone, id]);

  const byId = useMemo(() => new Map(list.items.map((p) => [p.id, p])), [list.items]);
  const chosen = selected ? [...selected].map((photoId) => byId.get(photoId)).filter((p): p is AlbumPhoto => !!p) : [];
  const removable = chosen.filter((p) => canRemovePhoto(role, p, user.userId));

  const toggle = useCallback((photo: Photo) => {
    setSelected((current) => {
      if (!current) return current;
      const next = new Set(current);
      if (!next.delete(photo.id)) next.add(photo.id);
      return next;
    });
  }, []);
  const open = useCallback(
    (photo: Photo) => (selected ? toggle(photo) : navigation.navigate('AlbumPhoto', { albumId: id, photoId: photo.id })),
    [selected, toggle, navigation, id],
  );
  const startSelecting = useCallback((photo: Photo) => setSelected((current) => current ?? new Set([photo.id])), []);
  const cancelSelecting = useCallback(() => setSelected(undefined), []);
  useCancelOnBack(selected !== undefined, cancelSelecting);
  const captionOf = useCallback((photo: Photo) => addedByLabel(photo as AlbumPhoto, user.userId), [user.userId]);

  async function act(action: string, work: () => Promise<void>) {
    setBusy(true);
    setMessage(undefined);
    try {
      await work();
    } catch (error) {
      setMessage({ kind: 'error', text: describeAlbumError(toApiError(error), action) });
    } finally {
      setBusy(false);
      setDialog(undefined);
    }
  }

  const rename = (name: string) =>
    act('Rename the album', async () => {
      setAlbum(await albums.update(id, { name }));
      services.albumsChanged();
    });
  const setCover = (photoId: string) =>
    act('Set the cover', async () => {
      setAlbum(await albums.update(id, { coverPhotoId: photoId }));
      setSelected(undefined);
      setMessage({ kind: 'success', text: 'Cover updated' });
      services.albumsChanged();
    });
  const removePhotos = () =>
    act('Remove the photos', async () => {
      const results = await albums.removePhotos(id, removable.map((p) => p.id));
      const summary = describeBatch(results, 'removed');
      setSelected(undefined);
      setMessage({ kind: summary.complete ? 'success' : 'error', text: summary.text });
      services.albumsChanged();
    });
  const deleteAlbum = () =>
    act('Delete the album', async () => {
      await albums.delete(id);
      services.albumsChanged();
      navigation.navigate('Albums');
    });
  const leave = () =>
    act('Leave the album', async () => {
      await albums.removeMember(id, user.userId);
      services.albumsChanged();
      navigation.navigate('Albums', { tab: 'shared' });
    });

  if (!album) {
    return (
      <SafeAreaView style={styles.screen} edges={['bottom']}>
        {loading ? (
          <LoadingState label="Loading the album" />
        ) : gone ? (
          <EmptyState title={GONE} message="It may have been deleted, or it is no longer shared with you." action={{ label: 'Back to albums', onPress: () => navigation.navigate('Albums') }} />
        ) : (
          <EmptyState title="Could not open this album" message={describeLoadError(albumError, 'this album')} action={{ label: 'Back to albums', onPress: () => navigation.navigate('Albums') }} />
        )}
      </SafeAreaView>
    );
  }

  const header = (
    <View style={styles.header}>
      <Text style={type.body}>
        {photoCount(album.photoCount)}
        {album.role !== 'owner' && album.ownerName ? ` · shared by ${album.ownerName}` : ''}
      </Text>
      {ROLE_LINE[role] ? <Text style={type.caption}>{ROLE_LINE[role]}</Text> : null}
      {gone ? <Banner kind="error">{GONE}</Banner> : null}
      {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
      {!selected ? (
        <View style={styles.actions}>
          {can.addPhotos ? <Button label="Add photos" onPress={() => navigation.navigate('AlbumAddPhotos', { id })} disabled={gone} /> : null}
          {can.manage ? <Button variant="secondary" label="Rename" onPress={() => setDialog('rename')} disabled={gone} /> : null}
          {can.manage ? <Button variant="secondary" label="Delete" accessibilityLabel="Delete album" onPress={() => setDialog('delete')} disabled={gone} /> : null}
          {can.leave ? <Button variant="secondary" label="Leave" accessibilityLabel="Leave album" onPress={() => setDialog('leave')} disabled={gone} /> : null}
        </View>
      ) : null}
      {selectable && !selected && Platform.OS !== 'web' ? <Text style={type.caption}>Press and hold a photo to select it.</Text> : null}
      <OfflineBanner visible={list.offline} error={list.error} onRetry={list.refresh} />
    </View>
  );

  let body;
  if (list.status === 'loading') body = <LoadingState label="Loading the photos" />;
  else if (list.status === 'error') body = <EmptyState title="Could not load the photos" message={describeLoadError(list.error, 'the photos')} action={{ label: 'Try again', onPress: list.refresh }} />;
  else if (list.items.length === 0)
    body = <EmptyState title="No photos in this album yet" message={can.addPhotos ? 'Add photos from your library.' : 'Photos added to the album appear here.'} />;

  return (
    <SafeAreaView style={styles.screen} edges={selected ? [] : ['bottom']}>
      {body ? (
        <View style={styles.fill}>
          {header}
          {body}
        </View>
      ) : (
        <PhotoGrid
          testID="album-grid"
          photos={list.items}
          byDay={false}
          onOpen={open}
          onLongPress={selectable ? startSelecting : undefined}
          selected={selected}
          captionOf={captionOf}
          paging={list}
          header={header}
        />
      )}
      {selected ? (
        <ActionBar title={selected.size === 0 ? 'Select photos' : `${selected.size} selected`}>
          {can.manage ? <Button variant="secondary" label="Set as cover" onPress={() => void setCover(chosen[0]!.id)} disabled={chosen.length !== 1 || busy} /> : null}
          <Button variant="danger" label="Remove" onPress={() => setDialog('remove')} disabled={removable.length === 0 || busy} />
        </ActionBar>
      ) : null}
      <NameDialog
        visible={dialog === 'rename'}
        title="Rename album"
        label="Album name"
        initial={album.name}
        confirmLabel="Save"
        busy={busy}
        validate={albumNameError}
        onConfirm={(name) => void rename(name)}
        onCancel={() => setDialog(undefined)}
      />
      <ConfirmDialog
        visible={dialog === 'delete'}
        title="Delete this album?"
        message={`“${album.name}” goes for everyone it is shared with, and its links stop working. The photos stay in their owners' libraries.`}
        confirmLabel="Delete album"
        destructive
        busy={busy}
        onConfirm={() => void deleteAlbum()}
        onCancel={() => setDialog(undefined)}
      />
      <ConfirmDialog
        visible={dialog === 'leave'}
        title="Leave this album?"
        message={role === 'contributor' ? 'The photos you added leave the album; they stay in your library.' : 'It will no longer be shared with you.'}
        confirmLabel="Leave album"
        destructive
        busy={busy}
        onConfirm={() => void leave()}
        onCancel={() => setDialog(undefined)}
      />
      <ConfirmDialog
        visible={dialog === 'remove'}
        title={`Remove ${removable.length === 1 ? 'this photo' : `${removable.length} photos`} from the album?`}
        message={`${removable.length < chosen.length ? `${chosen.length - removable.length} of the selected were added by someone else and stay. ` : ''}The photos stay in their owners' libraries.`}
        confirmLabel="Remove"
        destructive
        busy={busy}
        onConfirm={() => void removePhotos()}
        onCancel={() => setDialog(undefined)}
      />
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  fill: { flex: 1 },
  header: { padding: space.md, gap: space.sm },
  actions: { flexDirection: 'row', flexWrap: 'wrap', gap: space.sm },
});
