import { Image } from 'expo-image';
import { memo } from 'react';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import { photoCount } from '../../core/album-rules';
import type { Album } from '../../core/sharing-types';
import { colors, radius, space, type } from '../../ui/theme';

const ROLE_WORDS = { owner: 'Owner', contributor: 'Can add photos', viewer: 'Can view', link: 'Can view' } as const;

/** What the card says under the name: the count, and for a shared album whose it is and what I may do. */
export function albumSubtitle(album: Album, shared: boolean): string {
  const count = photoCount(album.photoCount);
  if (!shared) return count;
  const from = album.ownerName?.trim() ? `From ${album.ownerName.trim()}` : 'Shared with you';
  return `${count} · ${from} · ${ROLE_WORDS[album.role]}`;
}

/** One album: its cover (or an empty frame), its name and its count; the whole card opens it. */
export const AlbumCard = memo(function AlbumCard(props: { album: Album; width: number; shared: boolean; onOpen: (album: Album) => void }) {
  const { album, width } = props;
  const thumbnail = album.cover?.thumbnail;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`Album ${album.name}`}
      accessibilityHint={albumSubtitle(album, props.shared)}
      testID={`album-${album.id}`}
      onPress={() => props.onOpen(album)}
      style={({ pressed }) => [styles.card, { width }, pressed && styles.pressed]}
    >
      <View style={[styles.cover, { height: width }]}>
        {thumbnail ? (
          <Image
            // The signed URL changes every few minutes; a photo's thumbnail never does.
            source={{ uri: thumbnail, cacheKey: `thumbnail:${album.cover!.photoId}` }}
            contentFit="cover"
            transition={120}
            style={styles.fill}
          />
        ) : (
          <View style={[styles.fill, styles.empty]}>
            <Text style={styles.emptyText}>{album.photoCount === 0 ? 'Empty' : 'No cover yet'}</Text>
          </View>
        )}
      </View>
      <Text style={styles.name} numberOfLines={1}>
        {album.name}
      </Text>
      <Text style={type.caption} numberOfLines={2}>
        {albumSubtitle(album, props.shared)}
      </Text>
    </Pressable>
  );
});

const styles = StyleSheet.create({
  card: { gap: 2, paddingBottom: space.sm },
  pressed: { opacity: 0.8 },
  cover: { borderRadius: radius.md, overflow: 'hidden', backgroundColor: colors.placeholder, marginBottom: space.xs },
  fill: { width: '100%', height: '100%' },
  empty: { alignItems: 'center', justifyContent: 'center' },
  emptyText: { fontSize: 13, fontWeight: '600', color: colors.muted },
  name: { fontSize: 16, fontWeight: '700', color: colors.text },
});
