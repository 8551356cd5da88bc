import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useLayoutEffect, useMemo, useState } from 'react';
import { ActivityIndicator, FlatList, RefreshControl, StyleSheet, useWindowDimensions, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useServices } from '../app/session';
import { albumNameError, chunk } from '../core/album-rules';
import { toApiError } from '../core/errors';
import type { Album } from '../core/sharing-types';
import type { AppRoutes } from '../navigation/routes';
import { Segmented, TabBar } from '../ui/bars';
import { HeaderActions, HeaderButton } from '../ui/HeaderButton';
import { Banner, Button, EmptyState, LoadingState } from '../ui/kit';
import { NameDialog } from '../ui/NameDialog';
import { colors, CONTENT_MAX_WIDTH, space } from '../ui/theme';
import { AlbumCard } from './albums/AlbumCard';
import { describeLoadError, OfflineBanner } from './library/LibraryStates';
import { usePagedList } from './albums/usePagedList';

type Tab = 'mine' | 'shared';
const TABS: { value: Tab; label: string }[] = [
  { value: 'mine', label: 'My albums' },
  { value: 'shared', label: 'Shared with me' },
];

/** Two columns on a phone, more as a browser window widens; cards never narrower than ~150 pt. */
export function albumColumns(width: number): number {
  return Math.max(2, Math.min(5, Math.floor(width / 170)));
}

/** My albums (with counts and covers) and the albums others share with me; a new album from the header. */
export function AlbumsScreen({ navigation, route }: NativeStackScreenProps<AppRoutes, 'Albums'>) {
  const { albums, onAlbumsChanged } = useServices();
  const tab: Tab = route.params?.tab ?? 'mine';
  const load = useCallback((cursor?: string) => (tab === 'mine' ? albums.mine(cursor) : albums.shared(cursor)), [albums, tab]);
  const list = usePagedList<Album>(load, onAlbumsChanged);
  const { albumsChanged } = useServices();
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState(false);
  const [createError, setCreateError] = useState<string | undefined>();
  const { width } = useWindowDimensions();
  const usable = Math.min(width, CONTENT_MAX_WIDTH ?? width) - space.lg * 2;
  const columns = albumColumns(usable);
  const cardWidth = Math.floor((usable - space.md * (columns - 1)) / columns);
  const rows = useMemo(() => chunk(list.items, columns), [list.items, columns]);
  const open = useCallback((album: Album) => navigation.navigate('Album', { id: album.id }), [navigation]);

  useLayoutEffect(() => {
    navigation.setOptions({
      headerRight: () => <HeaderActions>{tab === 'mine' ? <HeaderButton label="New album" onPress={() => setCreating(true)} /> : null}</HeaderActions>,
    });
  }, [navigation, tab]);

  const create = async (name: string) => {
    setBusy(true);
    setCreateError(undefined);
    try {
      const album = await albums.create(name);
      setCreating(false);
      albumsChanged();
      navigation.navigate('Album', { id: album.id });
    } catch (error) {
      const problem = toApiError(error);
      setCreateError(problem.isNetworkError ? 'You are offline. Create the album when you are connected again.' : (problem.errors[0]?.message ?? problem.detail ?? problem.title));
    } finally {
      setBusy(false);
    }
  };

  const header = (
    <View style={styles.top}>
      <Segmented label="Albums to show" options={TABS} value={tab} onChange={(value) => navigation.setParams({ tab: value })} />
      <OfflineBanner visible={list.offline} error={list.error} onRetry={list.refresh} what="albums" />
    </View>
  );

  let body;
  if (list.status === 'loading') body = <LoadingState label={tab === 'mine' ? 'Loading your albums' : 'Loading shared albums'} />;
  else if (list.status === 'error')
    body = <EmptyState title="Could not load the albums" message={describeLoadError(list.error, 'the albums')} action={{ label: 'Try again', onPress: list.refresh }} />;
  else if (list.items.length === 0)
    body =
      tab === 'mine' ? (
        <EmptyState title="No albums yet" message="Gather photos into an album, then share it with family and friends." action={{ label: 'New album', onPress: () => setCreating(true) }} />
      ) : (
        <EmptyState title="Nothing shared with you yet" message="Albums other people share with you appear here." />
      );

  return (
    <SafeAreaView style={styles.screen} edges={[]}>
      {body ? (
        <View style={styles.fill}>
          {header}
          {body}
        </View>
      ) : (
        <FlatList
          testID="album-list"
          data={rows}
          keyExtractor={(row) => row[0]!.id}
          ListHeaderComponent={header}
          renderItem={({ item }) => (
            <View style={styles.row}>
              {item.map((album) => (
                <AlbumCard key={album.id} album={album} width={cardWidth} shared={tab === 'shared'} onOpen={open} />
              ))}
            </View>
          )}
          onEndReached={list.loadMore}
          onEndReachedThreshold={1}
          ListFooterComponent={
            list.loadingMore ? (
              <ActivityIndicator color={colors.primary} accessibilityLabel="Loading more albums" />
            ) : list.moreFailed ? (
              <Button variant="secondary" label="Load more" onPress={list.loadMore} />
            ) : null
          }
          refreshControl={<RefreshControl refreshing={list.refreshing} onRefresh={list.refresh} tintColor={colors.primary} colors={[colors.primary]} />}
          contentContainerStyle={styles.content}
        />
      )}
      {createError && !creating ? <Banner kind="error">{createError}</Banner> : null}
      <TabBar current="Albums" onSelect={(name) => navigation.navigate(name)} />
      <NameDialog
        visible={creating}
        title="New album"
        label="Album name"
        confirmLabel="Create"
        busy={busy}
        error={createError}
        validate={albumNameError}
        onConfirm={(name) => void create(name)}
        onCancel={() => {
          setCreating(false);
          setCreateError(undefined);
        }}
      />
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  fill: { flex: 1, width: '100%', maxWidth: CONTENT_MAX_WIDTH, alignSelf: 'center' },
  top: { padding: space.lg, paddingBottom: space.sm, gap: space.md },
  content: { width: '100%', maxWidth: CONTENT_MAX_WIDTH, alignSelf: 'center', paddingBottom: space.xl },
  row: { flexDirection: 'row', gap: space.md, paddingHorizontal: space.lg },
});
