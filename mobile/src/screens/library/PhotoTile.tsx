import { Image } from 'expo-image';
import { memo } from 'react';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import type { Photo } from '../../core/library';
import { colors, radius, space } from '../../ui/theme';

/**
 * One square of the grid: the thumbnail over its ThumbHash while it loads, or a neutral "Processing"
 * tile while the server has no thumbnail yet. Its name ("Photo IMG_1.jpg") is what screen readers and
 * the browser test find it by.
 */
export const PhotoTile = memo(function PhotoTile(props: {
  photo: Photo;
  size: number;
  onOpen: (photo: Photo) => void;
  caption?: string;
  /** A long press starts selecting (Home, an album); undefined where nothing can be selected. */
  onLongPress?: (photo: Photo) => void;
  /** Defined while selecting: the tile shows a check circle, filled when chosen. */
  selected?: boolean;
}) {
  const { photo, size, selected } = props;
  const thumbnail = photo.urls.thumbnail;
  const selecting = selected !== undefined;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`Photo ${photo.filename}`}
      accessibilityHint={props.caption}
      accessibilityState={selecting ? { selected } : undefined}
      aria-selected={selecting ? selected : undefined}
      testID={`photo-tile-${photo.id}`}
      onPress={() => props.onOpen(photo)}
      onLongPress={props.onLongPress ? () => props.onLongPress?.(photo) : undefined}
      style={({ pressed }) => [styles.tile, { width: size, height: size }, pressed && styles.pressed]}
    >
      {thumbnail ? (
        <Image
          // The signed URL changes every few minutes; the thumbnail of a photo never does.
          source={{ uri: thumbnail, cacheKey: `thumbnail:${photo.id}` }}
          placeholder={photo.thumbhash ? { thumbhash: photo.thumbhash } : undefined}
          placeholderContentFit="cover"
          contentFit="cover"
          recyclingKey={photo.id}
          transition={120}
          style={styles.fill}
        />
      ) : (
        <View style={[styles.fill, styles.processing]}>
          <Text style={styles.processingText}>Processing</Text>
        </View>
      )}
      {props.caption ? (
        <View style={styles.caption}>
          <Text style={styles.captionText} numberOfLines={1}>
            {props.caption}
          </Text>
        </View>
      ) : null}
      {selecting ? (
        <View style={[styles.fill, styles.overlay, selected && styles.chosen]} pointerEvents="none">
          <View style={[styles.check, selected && styles.checkOn]}>{selected ? <Text style={styles.checkMark}>✓</Text> : null}</View>
        </View>
      ) : null}
    </Pressable>
  );
});

const styles = StyleSheet.create({
  tile: { backgroundColor: colors.placeholder, overflow: 'hidden' },
  pressed: { opacity: 0.8 },
  fill: { width: '100%', height: '100%' },
  processing: { alignItems: 'center', justifyContent: 'center', padding: space.xs },
  processingText: { fontSize: 12, fontWeight: '600', color: colors.muted, textAlign: 'center' },
  caption: { position: 'absolute', left: space.xs, bottom: space.xs, maxWidth: '90%', backgroundColor: colors.surface, borderRadius: radius.sm, paddingHorizontal: space.xs + 2, paddingVertical: 2 },
  overlay: { position: 'absolute', top: 0, left: 0, alignItems: 'flex-end', padding: space.xs + 2 },
  chosen: { borderWidth: 3, borderColor: colors.primary, backgroundColor: 'rgba(61,79,214,0.18)' },
  check: { width: 26, height: 26, borderRadius: 13, borderWidth: 2, borderColor: colors.onPrimary, backgroundColor: 'rgba(20,22,31,0.25)', alignItems: 'center', justifyContent: 'center' },
  checkOn: { backgroundColor: colors.primary, borderColor: colors.onPrimary },
  checkMark: { color: colors.onPrimary, fontSize: 15, fontWeight: '700', lineHeight: 18 },
  captionText: { fontSize: 12, fontWeight: '600', color: colors.text },
});
