import { Image } from 'expo-image';
import { StyleSheet, Text, useWindowDimensions, View } from 'react-native';
import { colors, CONTENT_MAX_WIDTH, space } from '../../ui/theme';

export interface PreviewedPhoto {
  id: string;
  filename: string;
  width?: number;
  height?: number;
  thumbhash?: string;
  urls: { preview?: string };
}

/**
 * A photo's preview on a dark stage, as tall as its aspect ratio asks (at most 60 % of the window, at least
 * 200 pt), with its ThumbHash until the image arrives; a photo still processing says so instead. Shared by
 * the library's and an album's photo screens.
 */
export function PhotoPreview({ photo }: { photo: PreviewedPhoto }) {
  const window = useWindowDimensions();
  const height = Math.min(window.height * 0.6, (Math.min(window.width, CONTENT_MAX_WIDTH ?? window.width) * (photo.height ?? 3)) / (photo.width ?? 4));
  return (
    <View style={[styles.backdrop, { height: Math.max(200, height) }]}>
      {photo.urls.preview ? (
        <Image
          source={{ uri: photo.urls.preview, cacheKey: `preview:${photo.id}` }}
          placeholder={photo.thumbhash ? { thumbhash: photo.thumbhash } : undefined}
          placeholderContentFit="contain"
          contentFit="contain"
          transition={150}
          accessibilityLabel={`Preview of ${photo.filename}`}
          style={styles.preview}
        />
      ) : (
        <Text style={styles.processing}>Processing — the preview appears when it is ready</Text>
      )}
    </View>
  );
}

const styles = StyleSheet.create({
  backdrop: { backgroundColor: colors.text, alignItems: 'center', justifyContent: 'center' },
  preview: { width: '100%', height: '100%' },
  processing: { color: colors.onPrimary, fontSize: 15, padding: space.lg, textAlign: 'center' },
});
