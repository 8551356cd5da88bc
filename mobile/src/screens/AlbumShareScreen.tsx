import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useLayoutEffect } from 'react';
import { ScrollView, StyleSheet } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import type { AppRoutes } from '../navigation/routes';
import { EmptyState, LoadingState } from '../ui/kit';
import { colors, CONTENT_MAX_WIDTH, space } from '../ui/theme';
import { ALBUM_GONE } from './albums/album-errors';
import { ShareLinks } from './albums/ShareLinks';
import { ShareMembers } from './albums/ShareMembers';
import { useAlbum } from './albums/useAlbum';

/** The share sheet of an album (its owner's): people (family in one tap, anyone by email) and public links. */
export function AlbumShareScreen({ route, navigation }: NativeStackScreenProps<AppRoutes, 'AlbumShare'>) {
  const { id } = route.params;
  const { album, error, loading } = useAlbum(id);

  useLayoutEffect(() => {
    navigation.setOptions({ title: album ? `Share “${album.name}”` : 'Share album' });
  }, [navigation, album]);

  if (!album || album.role !== 'owner') {
    return (
      <SafeAreaView style={styles.screen} edges={['bottom']}>
        {loading && !album ? (
          <LoadingState label="Loading the album" />
        ) : (
          <EmptyState
            title={error?.status === 404 || !album ? ALBUM_GONE : 'Only the album’s owner can share it'}
            action={{ label: 'Back to the album', onPress: () => navigation.navigate('Album', { id }) }}
          />
        )}
      </SafeAreaView>
    );
  }

  return (
    <SafeAreaView style={styles.screen} edges={['bottom']}>
      <ScrollView testID="share-sheet" contentContainerStyle={styles.content} keyboardShouldPersistTaps="handled">
        <ShareMembers albumId={id} />
        <ShareLinks albumId={id} />
      </ScrollView>
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  content: { width: '100%', maxWidth: CONTENT_MAX_WIDTH, alignSelf: 'center', padding: space.lg, gap: space.xl },
});
