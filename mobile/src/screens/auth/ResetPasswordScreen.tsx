import { useState } from 'react';
import { StyleSheet, Text } from 'react-native';
import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useSession } from '../../app/session';
import type { AuthRoutes } from '../../navigation/routes';
import { Banner, Button } from '../../ui/kit';
import { type } from '../../ui/theme';
import { AuthLayout, FooterLink } from './AuthLayout';
import { codeProblem, emailProblem, passwordProblem, RESEND_COOLDOWN_SECONDS, useCooldown, useFormFeedback, type FieldErrors } from './auth-form';
import { CodeField, EmailField, NewPasswordField } from './fields';

type Props = NativeStackScreenProps<AuthRoutes, 'ResetPassword'>;

type Field = 'email' | 'code' | 'newPassword';
const LABELS: Record<Field, string> = { email: 'Email', code: 'Code', newPassword: 'New password' };

const PASSWORD_CHANGED = 'Password changed. Log in with your new password.';

/** Two steps: ask for a code by email, then set a new password with it; success returns to Login. */
export function ResetPasswordScreen({ navigation, route }: Props) {
  const session = useSession();
  const [step, setStep] = useState<'request' | 'reset'>('request');
  const [email, setEmail] = useState(route.params?.email ?? '');
  const [code, setCode] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const { errors, setErrors, message, setMessage, showFailure, clear } = useFormFeedback(LABELS);
  const [busy, setBusy] = useState<'send' | 'reset' | undefined>();
  const cooldown = useCooldown();
  const address = email.trim();

  /** Step 1, and "send the email again" on step 2. The API answers 202 whether the account exists or not. */
  async function sendCode() {
    const found = emailProblem(address);
    setErrors({ email: found });
    setMessage(undefined);
    if (found) return;
    setBusy('send');
    try {
      await session.api.publicRequest('post', '/v1/auth/forgot-password', { body: { email: address } });
      setMessage({ kind: 'success', text: `If ${address} has an AuroraVault account, a code is on its way.` });
      setStep('reset');
      cooldown.start(RESEND_COOLDOWN_SECONDS);
    } catch (error) {
      cooldown.startFrom(showFailure(error));
    } finally {
      setBusy(undefined);
    }
  }

  async function setPassword() {
    const found: FieldErrors<Field> = {
      code: codeProblem(code),
      newPassword: passwordProblem(newPassword),
    };
    setErrors(found);
    setMessage(undefined);
    if (found.code || found.newPassword) return;
    setBusy('reset');
    try {
      await session.api.publicRequest('post', '/v1/auth/reset-password', { body: { email: address, code: code.trim(), newPassword } });
    } catch (error) {
      showFailure(error);
      setBusy(undefined);
      return;
    }
    navigation.popTo('Login', { email: address, notice: PASSWORD_CHANGED });
  }

  const banner = message ? <Banner kind={message.kind}>{message.text}</Banner> : null;
  const backToLogin = <FooterLink prompt="Remembered it?" label="Back to log in" onPress={() => navigation.popTo('Login', { email: address || undefined })} />;

  if (step === 'request') {
    return (
      <AuthLayout title="Reset your password" subtitle="Enter your account's email and we will send you a code to set a new password." testID="reset-request" footer={backToLogin}>
        {banner}
        <EmailField value={email} onChangeText={setEmail} error={errors.email} returnKeyType="send" onSubmitEditing={() => void sendCode()} />
        <Button label="Send code" busy={busy === 'send'} onPress={() => void sendCode()} />
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Set a new password" subtitle={`Enter the 6-digit code we emailed to ${address} and choose a new password.`} testID="reset-confirm" footer={backToLogin}>
      {banner}
      <CodeField label="Code" value={code} onChangeText={setCode} error={errors.code} />
      <NewPasswordField
        label="New password"
        value={newPassword}
        onChangeText={setNewPassword}
        error={errors.newPassword}
        returnKeyType="go"
        onSubmitEditing={() => void setPassword()}
        testID="reset-password-rules"
      />
      <Button label="Set new password" busy={busy === 'reset'} disabled={busy === 'send'} onPress={() => void setPassword()} />
      {/* Named without "code": the contract's "Code" field must stay the only element labelled so. */}
      <Button
        variant="secondary"
        label="Send the email again"
        busy={busy === 'send'}
        disabled={busy === 'reset' || cooldown.remaining > 0}
        onPress={() => void sendCode()}
      />
      {cooldown.remaining > 0 ? <Text style={[type.caption, styles.center]}>You can ask for another email in {cooldown.remaining} s.</Text> : null}
      <Button
        variant="link"
        label="Use a different email"
        onPress={() => {
          setStep('request');
          clear();
        }}
      />
    </AuthLayout>
  );
}

const styles = StyleSheet.create({
  center: { textAlign: 'center' },
});
