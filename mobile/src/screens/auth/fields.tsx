import type { ReturnKeyTypeOptions } from 'react-native';
import { PASSWORD_MAX_LENGTH } from '../../core/password-rules';
import { TextField } from '../../ui/kit';
import { PasswordChecklist } from './PasswordChecklist';

// The auth screens' fields, each set up once for the platform's autofill and keyboards.

interface FieldProps {
  value: string;
  onChangeText: (text: string) => void;
  error?: string;
  returnKeyType?: ReturnKeyTypeOptions;
  onSubmitEditing?: () => void;
}

export function EmailField(props: FieldProps) {
  return <TextField label="Email" {...props} keyboardType="email-address" autoComplete="email" textContentType="username" inputMode="email" />;
}

/** The 6-digit code Cognito emails (confirmation, password reset); iOS offers it from Mail. */
export function CodeField(props: FieldProps & { label: string }) {
  return <TextField {...props} keyboardType="number-pad" inputMode="numeric" autoComplete="one-time-code" textContentType="oneTimeCode" maxLength={6} />;
}

/** A password being chosen, with the API's rules checked as it is typed. */
export function NewPasswordField(props: FieldProps & { label: string; testID: string }) {
  const { testID, ...field } = props;
  return (
    <>
      <TextField {...field} secureTextEntry autoComplete="new-password" textContentType="newPassword" maxLength={PASSWORD_MAX_LENGTH} />
      <PasswordChecklist password={props.value} testID={testID} />
    </>
  );
}
