import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { FlatList, Linking, StyleSheet, Text, View } from 'react-native';
import { pickNotices, pickPhotos } from '../app/pick-photos';
import { useServices } from '../app/session';
import type { UploadItem } from '../core/upload-types';
import type { AppRoutes } from '../navigation/routes';
import { Banner, Button, EmptyState, LoadingState, Row, Screen } from '../ui/kit';
import { colors, space, type } from '../ui/theme';
import { UploadRow } from './uploads/UploadRow';
import { describeUpload, hashingItemId, summarize } from './uploads/upload-status';

const DENIED_MESSAGE = 'AuroraVault needs access to your photo library to upload photos. Allow it in Settings, then choose again.';

/**
 * The upload queue as a list. The queue lives in the session (persisted, resumed after a restart):
 * this screen adds to it and reflects it, nothing more.
 */
export function UploadingScreen(_props: NativeStackScreenProps<AppRoutes, 'Uploading'>) {
  const { uploads } = useServices();
  const [items, setItems] = useState<readonly UploadItem[]>(() => uploads.list());
  const [loaded, setLoaded] = useState(uploads.isLoaded);
  const [picking, setPicking] = useState(false);
  const [notices, setNotices] = useState<string[]>([]);
  const [denied, setDenied] = useState(false);
  const [error, setError] = useState<string | undefined>();
  // The picker is modal, but a fast double tap could still open it twice.
  const pickingNow = useRef(false);

  // The queue updates its items in place: copies, so the list sees a changed row as changed.
  useEffect(
    () =>
      uploads.subscribe((next) => {
        setItems(next.map((item) => ({ ...item })));
        setLoaded(uploads.isLoaded);
      }),
    [uploads],
  );

  const choose = useCallback(async () => {
    if (pickingNow.current) return;
    pickingNow.current = true;
    setPicking(true);
    setError(undefined);
    setDenied(false);
    setNotices([]);
    try {
      const outcome = await pickPhotos();
      if (outcome.kind === 'denied') setDenied(true);
      if (outcome.kind === 'picked') {
        setNotices(pickNotices(outcome));
        if (outcome.sources.length > 0) await uploads.add(outcome.sources);
      }
    } catch (e) {
      setError(`Could not add the photos: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      pickingNow.current = false;
      setPicking(false);
    }
  }, [uploads]);

  const retry = useCallback((id: string) => void uploads.retry(id), [uploads]);
  const retryNow = useCallback(() => uploads.resume(), [uploads]);
  const remove = useCallback((id: string) => void uploads.cancel(id), [uploads]);

  const hashingNow = hashingItemId(items);
  const counts = useMemo(() => summarize(items), [items]);

  const banners = (
    <>
      {denied ? <Banner kind="warning" action={{ label: 'Open settings', onPress: () => void Linking.openSettings() }}>{DENIED_MESSAGE}</Banner> : null}
      {error ? <Banner kind="error">{error}</Banner> : null}
      {notices.map((notice) => (
        <Banner key={notice} kind="warning">
          {notice}
        </Banner>
      ))}
    </>
  );

  // Straight after a restart the stored queue is still being read: not "Nothing uploading" yet.
  if (items.length === 0 && !loaded) {
    return (
      <Screen>
        <LoadingState label="Loading your uploads" />
      </Screen>
    );
  }

  if (items.length === 0) {
    return (
      <Screen>
        <View style={styles.banners}>{banners}</View>
        <EmptyState
          title="Nothing uploading"
          message="Pick up to 50 at a time from your library. They keep uploading even if you close the app."
          action={{ label: 'Choose photos', onPress: () => void choose() }}
        />
      </Screen>
    );
  }

  return (
    <Screen>
      <FlatList
        data={items}
        keyExtractor={(item) => item.id}
        renderItem={({ item }) => <UploadRow item={item} status={describeUpload(item, hashingNow)} onRetry={retry} onRetryNow={retryNow} onRemove={remove} />}
        ItemSeparatorComponent={Separator}
        contentContainerStyle={styles.list}
        ListHeaderComponent={
          <View style={styles.header}>
            <Text accessibilityRole="header" style={type.heading}>
              {`${counts.done} of ${counts.total} uploaded`}
            </Text>
            {counts.failed > 0 ? <Text style={styles.attention}>{`${counts.failed} need${counts.failed === 1 ? 's' : ''} your attention`}</Text> : null}
            <Row style={styles.buttons}>
              <Button label="Choose photos" busy={picking} onPress={() => void choose()} />
              {counts.finished > 0 ? <Button variant="secondary" label="Clear finished" onPress={() => uploads.clearFinished()} /> : null}
            </Row>
            {banners}
          </View>
        }
      />
    </Screen>
  );
}

function Separator() {
  return <View style={styles.separator} />;
}

const styles = StyleSheet.create({
  banners: { gap: space.sm },
  list: { paddingBottom: space.xl },
  header: { gap: space.sm, marginBottom: space.md },
  attention: { color: colors.danger, fontSize: 15 },
  buttons: { flexWrap: 'wrap', marginTop: space.xs },
  separator: { height: space.sm },
});
