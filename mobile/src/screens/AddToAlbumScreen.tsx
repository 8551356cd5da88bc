import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useEffect, useState } from 'react';
import { Pressable, ScrollView, StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useServices } from '../app/session';
import { abilitiesOf, albumNameError, describeBatch } from '../core/album-rules';
import { toApiError, type ApiError } from '../core/errors';
import type { Album } from '../core/sharing-types';
import type { AppRoutes } from '../navigation/routes';
import { Banner, Button, EmptyState, LoadingState } from '../ui/kit';
import { NameDialog } from '../ui/NameDialog';
import { colors, CONTENT_MAX_WIDTH, radius, space, TOUCH_TARGET, type } from '../ui/theme';
import { albumSubtitle } from './albums/AlbumCard';
import { describeAlbumError } from './albums/album-errors';
import { describeLoadError } from './library/LibraryStates';

/** The ids a route carries, comma-separated (a web URL keeps them through a reload). */
export function photoIdsOf(param: string | undefined): string[] {
  return [...new Set((param ?? '').split(',').map((id) => id.trim()).filter(Boolean))];
}

/** Albums I can add to: mine, then those shared with me as a contributor. */
export function albumsToAddTo(mine: readonly Album[], shared: readonly Album[]): Album[] {
  return [...mine, ...shared.filter((album) => abilitiesOf(album.role).addPhotos)];
}

type Loaded = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; albums: Album[] };

/** Picks the album for photos chosen on Home or in the viewer, or makes a new one for them. */
export function AddToAlbumScreen({ route, navigation }: NativeStackScreenProps<AppRoutes, 'AddToAlbum'>) {
  const ids = photoIdsOf(route.params?.photos);
  const services = useServices();
  const { albums } = services;
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [busy, setBusy] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [done, setDone] = useState<{ album: Album; text: string; complete: boolean } | undefined>();
  const [error, setError] = useState<string | undefined>();

  const load = useCallback(async () => {
    setLoaded({ state: 'loading' });
    try {
      const [mine, shared] = await Promise.all([albums.mine(), albums.shared()]);
      // The saved lists are enough to pick from; the server's replace them when they come.
      if (mine.cached && shared.cached) setLoaded({ state: 'ready', albums: albumsToAddTo(mine.cached.value.items, shared.cached.value.items) });
      const [freshMine, freshShared] = await Promise.all([mine.fresh, shared.fresh]);
      setLoaded({ state: 'ready', albums: albumsToAddTo(freshMine.items, freshShared.items) });
    } catch (failure) {
      setLoaded((current) => (current.state === 'ready' ? current : { state: 'error', error: toApiError(failure) }));
    }
  }, [albums]);
  useEffect(() => void load(), [load]);

  async function addTo(album: Album) {
    setBusy(album.id);
    setError(undefined);
    try {
      const results = await albums.addPhotos(album.id, ids);
      const summary = describeBatch(results, 'added');
      setDone({ album, ...summary });
      services.albumsChanged();
    } catch (failure) {
      setError(describeAlbumError(toApiError(failure), 'Add the photos'));
    } finally {
      setBusy(undefined);
    }
  }

  async function createAndAdd(name: string) {
    setBusy('new');
    setError(undefined);
    try {
      const album = await albums.create(name);
      setCreating(false);
      await addTo(album);
    } catch (failure) {
      setCreating(false);
      setError(describeAlbumError(toApiError(failure), 'Create the album'));
      setBusy(undefined);
    }
  }

  if (done) {
    return (
      <SafeAreaView style={styles.screen} edges={['bottom']}>
        <View style={styles.content}>
          <Banner kind={done.complete ? 'success' : 'warning'}>{`${done.text} to “${done.album.name}”.`}</Banner>
          <View style={styles.row}>
            <Button label="Open album" onPress={() => navigation.replace('Album', { id: done.album.id })} />
            <Button variant="secondary" label="Done" onPress={() => (navigation.canGoBack() ? navigation.goBack() : navigation.navigate('Home'))} />
          </View>
        </View>
      </SafeAreaView>
    );
  }

  return (
    <SafeAreaView style={styles.screen} edges={['bottom']}>
      <ScrollView contentContainerStyle={styles.content}>
        <Text style={type.body}>{ids.length === 1 ? 'Add 1 photo to an album.' : `Add ${ids.length} photos to an album.`}</Text>
        {error ? <Banner kind="error">{error}</Banner> : null}
        <Button variant="secondary" label="New album" onPress={() => setCreating(true)} busy={busy === 'new'} disabled={!!busy || ids.length === 0} />
        {loaded.state === 'loading' ? (
          <LoadingState label="Loading your albums" />
        ) : loaded.state === 'error' ? (
          <EmptyState title="Could not load your albums" message={describeLoadError(loaded.error, 'your albums')} action={{ label: 'Try again', onPress: () => void load() }} />
        ) : loaded.albums.length === 0 ? (
          <Text style={type.caption}>You have no albums yet: make one with New album.</Text>
        ) : (
          <View style={styles.list} accessibilityRole="list">
            {loaded.albums.map((album, index) => (
              <Pressable
                key={album.id}
                accessibilityRole="button"
                accessibilityLabel={`Add to ${album.name}`}
                accessibilityState={{ disabled: !!busy, busy: busy === album.id }}
                disabled={!!busy || ids.length === 0}
                onPress={() => void addTo(album)}
                style={({ pressed }) => [styles.item, index > 0 && styles.divided, pressed && styles.pressed]}
              >
                <Text style={styles.name} numberOfLines={1}>
                  {album.name}
                </Text>
                <Text style={type.caption} numberOfLines={1}>
                  {busy === album.id ? 'Adding…' : albumSubtitle(album, album.role !== 'owner')}
                </Text>
              </Pressable>
            ))}
          </View>
        )}
      </ScrollView>
      <NameDialog
        visible={creating}
        title="New album"
        label="Album name"
        confirmLabel="Create and add"
        busy={busy === 'new'}
        validate={albumNameError}
        onConfirm={(name) => void createAndAdd(name)}
        onCancel={() => setCreating(false)}
      />
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  content: { width: '100%', maxWidth: CONTENT_MAX_WIDTH, alignSelf: 'center', padding: space.lg, gap: space.md },
  row: { flexDirection: 'row', gap: space.sm },
  list: { backgroundColor: colors.surface, borderRadius: radius.md, borderWidth: 1, borderColor: colors.border },
  item: { minHeight: TOUCH_TARGET + 16, paddingHorizontal: space.md, paddingVertical: space.sm, justifyContent: 'center', gap: 2 },
  divided: { borderTopWidth: StyleSheet.hairlineWidth, borderTopColor: colors.border },
  pressed: { backgroundColor: colors.placeholder },
  name: { fontSize: 16, fontWeight: '600', color: colors.text },
});
