import { useCallback, useMemo, type ReactElement } from 'react';
import { ActivityIndicator, FlatList, RefreshControl, StyleSheet, Text, useWindowDimensions, View, type ListRenderItem } from 'react-native';
import type { Photo } from '../../core/library';
import { Button } from '../../ui/kit';
import type { PagedList } from '../shared/usePages';
import { colors, space, type } from '../../ui/theme';
import { PhotoTile } from './PhotoTile';
import { columnsFor, gridRows, type GridRow } from './timeline';

/** Tiles stop growing past this width on a wide browser window; more columns come instead. */
const GRID_MAX_WIDTH = 1200;
const GAP = 2;

export interface PhotoGridProps {
  photos: Photo[];
  /** A header before each day (the timeline); the trash is one run of tiles. */
  byDay: boolean;
  onOpen(photo: Photo): void;
  /**
   * The list the photos are pages of: pull to refresh, the next page near the end, and the footer
   * (a spinner while the next page loads, a button when it failed).
   */
  paging: Pick<PagedList<unknown>, 'refreshing' | 'refresh' | 'loadMore' | 'loadingMore' | 'moreFailed'>;
  /** A short line on each tile (the trash: days left). */
  captionOf?: (photo: Photo) => string | undefined;
  /** Long press: starts selecting. */
  onLongPress?(photo: Photo): void;
  /** Defined while selecting: the chosen ids (each tile shows whether it is one). */
  selected?: ReadonlySet<string>;
  /** Banners and explanations above the tiles (they scroll with them). */
  header?: ReactElement;
  testID?: string;
}

/** Square thumbnails in rows, as many columns as the window is wide, with infinite scroll and pull to refresh. */
export function PhotoGrid(props: PhotoGridProps) {
  const { width } = useWindowDimensions();
  const usable = Math.min(width, GRID_MAX_WIDTH);
  const columns = columnsFor(usable);
  const tile = Math.floor((usable - GAP * (columns - 1)) / columns);
  const rows = useMemo(() => gridRows(props.photos, columns, { byDay: props.byDay }), [props.photos, columns, props.byDay]);
  const { onOpen, captionOf, onLongPress, selected } = props;

  const renderItem: ListRenderItem<GridRow> = useCallback(
    ({ item }) =>
      item.kind === 'header' ? (
        <Text accessibilityRole="header" style={styles.day}>
          {item.title}
        </Text>
      ) : (
        <View style={styles.row}>
          {item.photos.map((photo) => (
            <PhotoTile
              key={photo.id}
              photo={photo}
              size={tile}
              onOpen={onOpen}
              onLongPress={onLongPress}
              selected={selected ? selected.has(photo.id) : undefined}
              caption={captionOf?.(photo)}
            />
          ))}
        </View>
      ),
    [tile, onOpen, captionOf, onLongPress, selected],
  );

  const { paging } = props;
  const footer = paging.loadingMore ? (
    <View style={styles.footer}>
      <ActivityIndicator color={colors.primary} accessibilityLabel="Loading more photos" />
    </View>
  ) : paging.moreFailed ? (
    <View style={styles.footer}>
      <Button variant="secondary" label="Load more" onPress={paging.loadMore} />
    </View>
  ) : null;

  return (
    <FlatList
      testID={props.testID}
      data={rows}
      keyExtractor={(row) => row.key}
      renderItem={renderItem}
      extraData={[tile, selected]}
      ListHeaderComponent={props.header}
      ListFooterComponent={footer}
      onEndReached={paging.loadMore}
      onEndReachedThreshold={1.5}
      refreshControl={<RefreshControl refreshing={paging.refreshing} onRefresh={paging.refresh} tintColor={colors.primary} colors={[colors.primary]} />}
      style={styles.list}
      contentContainerStyle={[styles.content, { width: usable }]}
    />
  );
}

const styles = StyleSheet.create({
  list: { flex: 1, backgroundColor: colors.background },
  content: { alignSelf: 'center', paddingBottom: space.xl },
  row: { flexDirection: 'row', gap: GAP, marginBottom: GAP },
  day: { ...type.label, paddingHorizontal: space.md, paddingTop: space.lg, paddingBottom: space.sm },
  footer: { paddingVertical: space.lg, alignItems: 'center' },
});
