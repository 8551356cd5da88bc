import type { ReactNode } from 'react';
import { Modal, StyleSheet, Text, View } from 'react-native';
import { Button } from './kit';
import { colors, radius, space, type } from './theme';

/**
 * The app's own modal dialog: a title, its content, Cancel and one confirm button. React Native's Alert has
 * no buttons on the web, so every question the app asks is drawn with this.
 */
export function DialogFrame(props: {
  visible: boolean;
  title: string;
  confirmLabel: string;
  destructive?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  return (
    <Modal visible={props.visible} transparent animationType="fade" onRequestClose={props.onCancel}>
      <View style={styles.backdrop}>
        <View style={styles.dialog} accessibilityViewIsModal accessibilityRole="alert" aria-modal>
          <Text accessibilityRole="header" style={type.heading}>
            {props.title}
          </Text>
          {props.children}
          <View style={styles.actions}>
            <Button variant="secondary" label="Cancel" onPress={props.onCancel} disabled={props.busy} />
            <Button variant={props.destructive ? 'danger' : 'primary'} label={props.confirmLabel} onPress={props.onConfirm} busy={props.busy} />
          </View>
        </View>
      </View>
    </Modal>
  );
}

/** A confirmation: a destructive action (delete, empty the trash, delete the account) must always ask first. */
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
  const { message, ...frame } = props;
  return (
    <DialogFrame {...frame}>
      <Text style={[type.body, styles.message]}>{message}</Text>
    </DialogFrame>
  );
}

const styles = StyleSheet.create({
  backdrop: { flex: 1, backgroundColor: 'rgba(20,22,31,0.45)', alignItems: 'center', justifyContent: 'center', padding: space.lg },
  dialog: { width: '100%', maxWidth: 400, backgroundColor: colors.surface, borderRadius: radius.lg, padding: space.xl, gap: space.md },
  message: { color: colors.muted },
  actions: { flexDirection: 'row', justifyContent: 'flex-end', gap: space.sm, marginTop: space.sm },
});
