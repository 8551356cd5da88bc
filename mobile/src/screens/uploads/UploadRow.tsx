import { StyleSheet, Text, View } from 'react-native';
import type { UploadItem } from '../../core/upload-types';
import { formatBytes } from '../../ui/format';
import { Button, ProgressBar } from '../../ui/kit';
import { colors, radius, space, type } from '../../ui/theme';
import { canRetryNow, type UploadPhase, type UploadStatus } from './upload-status';

const PHASE_COLORS: Partial<Record<UploadPhase, string>> = {
  uploaded: colors.success,
  duplicate: colors.success,
  failed: colors.danger,
  retrying: colors.warning,
};

/** One photo of the queue: name, size, what is happening to it, and what the user can do about it. */
export function UploadRow(props: {
  item: UploadItem;
  status: UploadStatus;
  onRetry(id: string): void;
  onRetryNow(): void;
  onRemove(id: string): void;
}) {
  const { item, status } = props;
  const filename = item.source.filename;
  const unfinished = item.step !== 'done';
  return (
    <View style={styles.row} testID={`upload-${item.id}`}>
      <View style={styles.head}>
        <Text style={[type.label, styles.name]} numberOfLines={1} ellipsizeMode="middle">
          {filename}
        </Text>
        {item.size !== undefined ? <Text style={type.caption}>{formatBytes(item.size)}</Text> : null}
      </View>
      <View style={styles.statusLine}>
        <Text style={[styles.status, { color: PHASE_COLORS[status.phase] ?? colors.muted }]} accessibilityLiveRegion="polite">
          {status.text}
        </Text>
        {status.partText ? <Text style={type.caption}>{status.partText}</Text> : null}
      </View>
      {status.progress !== undefined ? <ProgressBar value={status.progress} label={`Upload of ${filename}`} /> : null}
      {unfinished ? (
        <View style={styles.actions}>
          {item.step === 'failed' ? (
            <Button variant="secondary" label="Retry" accessibilityLabel={`Retry ${filename}`} onPress={() => props.onRetry(item.id)} />
          ) : null}
          {canRetryNow(item) ? (
            <Button variant="secondary" label="Retry now" accessibilityLabel={`Retry ${filename} now`} onPress={props.onRetryNow} />
          ) : null}
          <Button variant="secondary" label="Remove" accessibilityLabel={`Remove ${filename}`} onPress={() => props.onRemove(item.id)} />
        </View>
      ) : null}
    </View>
  );
}

const styles = StyleSheet.create({
  row: {
    backgroundColor: colors.surface,
    borderRadius: radius.md,
    borderWidth: 1,
    borderColor: colors.border,
    padding: space.md,
    gap: space.sm,
  },
  head: { flexDirection: 'row', alignItems: 'baseline', gap: space.sm },
  name: { flex: 1 },
  statusLine: { flexDirection: 'row', alignItems: 'baseline', gap: space.sm },
  status: { fontSize: 15, flexShrink: 1 },
  actions: { flexDirection: 'row', justifyContent: 'flex-end', flexWrap: 'wrap', gap: space.sm },
});
