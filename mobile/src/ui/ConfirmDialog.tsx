import { Modal, StyleSheet, Text, View } from 'react-native';
import { Button } from './kit';
import { colors, radius, space, type } from './theme';

/**
 * A confirmation the app draws itself: React Native's Alert has no buttons on the web, and a
 * destructive action (delete, empty the trash, delete the account) must always ask first.
 */
export function ConfirmDialog(props: {
  visible: boolean;
  title: string;
  message: string;
  confirmLabel: string;
  destructive?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal visible={props.visible} transparent animationType="fade" onRequestClose={props.onCancel}>
      <View style={styles.backdrop}>
        <View style={styles.dialog} accessibilityViewIsModal accessibilityRole="alert" aria-modal>
          <Text accessibilityRole="header" style={type.heading}>
            {props.title}
          </Text>
          <Text style={[type.body, styles.message]}>{props.message}</Text>
          <View style={styles.actions}>
            <Button variant="secondary" label="Cancel" onPress={props.onCancel} disabled={props.busy} />
            <Button variant={props.destructive ? 'danger' : 'primary'} label={props.confirmLabel} onPress={props.onConfirm} busy={props.busy} />
          </View>
        </View>
      </View>
    </Modal>
  );
}

const styles = StyleSheet.create({
  backdrop: { flex: 1, backgroundColor: 'rgba(20,22,31,0.45)', alignItems: 'center', justifyContent: 'center', padding: space.lg },
  dialog: { width: '100%', maxWidth: 400, backgroundColor: colors.surface, borderRadius: radius.lg, padding: space.xl, gap: space.md },
  message: { color: colors.muted },
  actions: { flexDirection: 'row', justifyContent: 'flex-end', gap: space.sm, marginTop: space.sm },
});
