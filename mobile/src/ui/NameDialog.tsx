import { useEffect, useState } from 'react';
import { Modal, StyleSheet, Text, View } from 'react-native';
import { Button, TextField } from './kit';
import { colors, radius, space, type } from './theme';

/** Asks for a name (a new album, a rename): the field, its error, Cancel and the confirm button. */
export function NameDialog(props: {
  visible: boolean;
  title: string;
  label: string;
  initial?: string;
  confirmLabel: string;
  busy?: boolean;
  /** The server's or the validation's word on the name. */
  error?: string;
  validate: (name: string) => string | undefined;
  onConfirm: (name: string) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(props.initial ?? '');
  const [shownError, setShownError] = useState<string | undefined>();
  useEffect(() => {
    if (props.visible) {
      setName(props.initial ?? '');
      setShownError(undefined);
    }
  }, [props.visible, props.initial]);
  const submit = () => {
    const error = props.validate(name);
    setShownError(error);
    if (!error) props.onConfirm(name.trim());
  };
  return (
    <Modal visible={props.visible} transparent animationType="fade" onRequestClose={props.onCancel}>
      <View style={styles.backdrop}>
        <View style={styles.dialog} accessibilityViewIsModal accessibilityRole="alert" aria-modal>
          <Text accessibilityRole="header" style={type.heading}>
            {props.title}
          </Text>
          <TextField label={props.label} value={name} onChangeText={setName} error={shownError ?? props.error} autoFocus maxLength={100} returnKeyType="done" onSubmitEditing={submit} />
          <View style={styles.actions}>
            <Button variant="secondary" label="Cancel" onPress={props.onCancel} disabled={props.busy} />
            <Button label={props.confirmLabel} onPress={submit} busy={props.busy} />
          </View>
        </View>
      </View>
    </Modal>
  );
}

const styles = StyleSheet.create({
  backdrop: { flex: 1, backgroundColor: 'rgba(20,22,31,0.45)', alignItems: 'center', justifyContent: 'center', padding: space.lg },
  dialog: { width: '100%', maxWidth: 400, backgroundColor: colors.surface, borderRadius: radius.lg, padding: space.xl, gap: space.md },
  actions: { flexDirection: 'row', justifyContent: 'flex-end', gap: space.sm, marginTop: space.sm },
});
