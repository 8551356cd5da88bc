import { useState } from 'react';
import { StyleSheet, Text } from 'react-native';
import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useSession } from '../../app/session';
import type { AuthRoutes } from '../../navigation/routes';
import { Banner, Button, TextField } from '../../ui/kit';
import { space, type } from '../../ui/theme';
import { AuthLayout, FooterLink } from './AuthLayout';
import { codeProblem, emailProblem, failureMessage, passwordProblem, RESEND_COOLDOWN_SECONDS, useCooldown, useFormFeedback, type FieldErrors } from './auth-form';
import { CodeField, EmailField, NewPasswordField } from './fields';

type Props = NativeStackScreenProps<AuthRoutes, 'SignUp'>;

type Field = 'name' | 'email' | 'password' | 'code';
const LABELS: Record<Field, string> = { name: 'Name', email: 'Email', password: 'Password', code: 'Confirmation code' };

/**
 * Create an account, then confirm the email with the mailed code. Confirming right after sign-up
 * logs in with the password just typed; opened from Login for an unconfirmed account the password
 * is unknown, so it returns to Login with the email filled in.
 */
export function SignUpScreen({ navigation, route }: Props) {
  const session = useSession();
  const startEmail = route.params?.email ?? '';
  const [step, setStep] = useState<'details' | 'confirm'>(route.params?.step === 'confirm' && startEmail ? 'confirm' : 'details');
  const [name, setName] = useState('');
  const [email, setEmail] = useState(startEmail);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  // Set only when this screen created the account: then confirming can log in at once.
  const [knownPassword, setKnownPassword] = useState<string | undefined>();
  const { errors, setErrors, message, setMessage, showFailure, clear } = useFormFeedback(LABELS);
  const [emailTaken, setEmailTaken] = useState(false);
  const [busy, setBusy] = useState<'signup' | 'confirm' | 'resend' | undefined>();
  const cooldown = useCooldown();
  const address = email.trim();

  const toLogin = (notice?: string) => navigation.popTo('Login', { email: address || undefined, notice });

  async function createAccount() {
    const found: FieldErrors<Field> = {
      email: emailProblem(address),
      password: passwordProblem(password),
    };
    setErrors(found);
    setMessage(undefined);
    setEmailTaken(false);
    if (found.email || found.password) return;
    setBusy('signup');
    try {
      const trimmedName = name.trim();
      await session.api.publicRequest('post', '/v1/auth/signup', { body: { email: address, password, ...(trimmedName ? { name: trimmedName } : {}) } });
      setKnownPassword(password);
      setPassword('');
      setCode('');
      setStep('confirm');
    } catch (error) {
      const problem = showFailure(error);
      if (problem.status === 409) {
        setMessage(undefined);
        setErrors({ email: 'An account with this email already exists.' });
        setEmailTaken(true);
      }
    } finally {
      setBusy(undefined);
    }
  }

  async function confirm() {
    const found = codeProblem(code);
    setErrors({ code: found });
    setMessage(undefined);
    if (found) return;
    setBusy('confirm');
    try {
      await session.api.publicRequest('post', '/v1/auth/confirm', { body: { email: address, code: code.trim() } });
    } catch (error) {
      const problem = showFailure(error);
      // 409: confirmed already (an earlier attempt went through, or another device): logging in is what is left.
      if (problem.status === 409) setMessage({ kind: 'error', text: failureMessage(problem), toLogin: true });
      setBusy(undefined);
      return;
    }
    if (!knownPassword) {
      toLogin('Your email is confirmed. Log in to continue.');
      return;
    }
    try {
      // Opens the library: this screen is gone.
      await session.signIn(address, knownPassword);
    } catch {
      toLogin('Your email is confirmed. Log in to continue.');
    }
  }

  async function resend() {
    setMessage(undefined);
    setBusy('resend');
    try {
      await session.api.publicRequest('post', '/v1/auth/resend-code', { body: { email: address } });
      setMessage({ kind: 'success', text: `We sent a new code to ${address}.` });
      cooldown.start(RESEND_COOLDOWN_SECONDS);
    } catch (error) {
      cooldown.startFrom(showFailure(error));
    } finally {
      setBusy(undefined);
    }
  }

  const banner = message ? (
    <Banner kind={message.kind} action={message.toLogin ? { label: 'Go to log in', onPress: () => toLogin() } : undefined}>
      {message.text}
    </Banner>
  ) : null;

  if (step === 'confirm') {
    return (
      <AuthLayout
        title="Check your email"
        subtitle={`We sent a 6-digit code to ${address}. Enter it to finish setting up your account.`}
        testID="signup-confirm"
        footer={
          knownPassword ? (
            <Button
              variant="link"
              label="Use a different email"
              onPress={() => {
                setStep('details');
                clear();
              }}
            />
          ) : (
            <Button variant="link" label="Back to log in" onPress={() => toLogin()} />
          )
        }
      >
        {banner}
        <CodeField label="Confirmation code" value={code} onChangeText={setCode} error={errors.code} returnKeyType="go" onSubmitEditing={() => void confirm()} />
        <Button label="Confirm" busy={busy === 'confirm'} disabled={!!busy} onPress={() => void confirm()} />
        <Button
          variant="secondary"
          label="Send a new code"
          busy={busy === 'resend'}
          disabled={!!busy || cooldown.remaining > 0}
          accessibilityHint={cooldown.remaining > 0 ? `Available again in ${cooldown.remaining} seconds` : undefined}
          onPress={() => void resend()}
        />
        {cooldown.remaining > 0 ? <Text style={[type.caption, styles.center]}>You can ask for another code in {cooldown.remaining} s.</Text> : null}
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Create your account"
      subtitle="Keep every photo safe, on every device."
      testID="signup-details"
      footer={
        <FooterLink prompt="Already have an account?" label="Log in" accessibilityLabel="Log in instead" onPress={() => toLogin()} />
      }
    >
      {banner}
      <TextField label="Name" hint="Optional" value={name} onChangeText={setName} error={errors.name} autoComplete="name" textContentType="name" maxLength={100} />
      <EmailField
        value={email}
        onChangeText={(text) => {
          setEmail(text);
          setEmailTaken(false);
        }}
        error={errors.email}
      />
      {emailTaken ? <Button variant="link" label="Log in with this email" onPress={() => toLogin()} style={styles.inlineLink} /> : null}
      <NewPasswordField
        label="Password"
        value={password}
        onChangeText={setPassword}
        error={errors.password}
        returnKeyType="go"
        onSubmitEditing={() => void createAccount()}
        testID="signup-password-rules"
      />
      <Button label="Create account" busy={busy === 'signup'} onPress={() => void createAccount()} />
    </AuthLayout>
  );
}

const styles = StyleSheet.create({
  center: { textAlign: 'center' },
  inlineLink: { alignSelf: 'flex-start', marginTop: -space.sm },
});
