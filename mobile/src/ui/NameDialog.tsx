import { useEffect, useState } from 'react';
import { DialogFrame } from './ConfirmDialog';
import { TextField } from './kit';

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
    <DialogFrame visible={props.visible} title={props.title} confirmLabel={props.confirmLabel} busy={props.busy} onConfirm={submit} onCancel={props.onCancel}>
      <TextField label={props.label} value={name} onChangeText={setName} error={shownError ?? props.error} autoFocus maxLength={100} returnKeyType="done" onSubmitEditing={submit} />
    </DialogFrame>
  );
}
