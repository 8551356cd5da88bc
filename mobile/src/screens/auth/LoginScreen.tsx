import { useEffect, useState } from 'react';
import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import { useSession } from '../../app/session';
import type { AuthRoutes } from '../../navigation/routes';
import { Banner, Button, TextField } from '../../ui/kit';
import { AuthLayout, FooterLink } from './AuthLayout';
import { EmailField } from './fields';
import { emailProblem, formFailure, type FieldErrors } from './auth-form';

type Props = NativeStackScreenProps<AuthRoutes, 'Login'>;

/** A failed attempt; `unconfirmed` is the email of an account that still needs its code. */
type Failure = { message: string; unconfirmed?: string };

export function LoginScreen({ navigation, route }: Props) {
  const session = useSession();
  const [email, setEmail] = useState(route.params?.email ?? '');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors<'email' | 'password'>>({});
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);
  const notice = route.params?.notice;

  // Sign Up and Reset Password come back here with the email and a notice: start over with them.
  useEffect(() => {
    if (route.params?.email) setEmail(route.params.email);
    setPassword('');
    setFailure(undefined);
  }, [route.params?.email, route.params?.notice]);

  async function logIn() {
    const address = email.trim();
    const found = { email: emailProblem(address), password: password ? undefined : 'Enter your password.' };
    setErrors(found);
    setFailure(undefined);
    if (found.email || found.password) return;
    setBusy(true);
    try {
      // On success the navigator swaps to the library: this screen is gone.
      await session.signIn(address, password);
    } catch (error) {
      const failure = formFailure(error, { email: 'Email', password: 'Password' });
      const status = failure.problem.status;
      if (status === 401) setFailure({ message: 'Email or password is incorrect.' });
      else if (status === 403) setFailure({ message: 'Confirm your email before you log in: enter the code we sent you.', unconfirmed: address });
      else {
        setErrors(failure.fields);
        if (failure.banner) setFailure({ message: failure.banner });
      }
      setBusy(false);
    }
  }

  const unconfirmed = failure?.unconfirmed;
  return (
    <AuthLayout
      title="Log in"
      subtitle="Welcome back."
      testID="login-screen"
      footer={
        <FooterLink prompt="New to AuroraVault?" label="Create an account" onPress={() => navigation.navigate('SignUp', { email: email.trim() || undefined })} />
      }
    >
      {notice && !failure ? <Banner kind="success">{notice}</Banner> : null}
      {session.endedReason && !notice && !failure ? <Banner kind="warning">{session.endedReason}</Banner> : null}
      {failure ? (
        <Banner
          kind="error"
          action={unconfirmed ? { label: 'Enter confirmation code', onPress: () => navigation.navigate('SignUp', { email: unconfirmed, step: 'confirm' }) } : undefined}
        >
          {failure.message}
        </Banner>
      ) : null}
      <EmailField value={email} onChangeText={setEmail} error={errors.email} returnKeyType="next" />
      <TextField
        label="Password"
        value={password}
        onChangeText={setPassword}
        error={errors.password}
        secureTextEntry
        autoComplete="current-password"
        textContentType="password"
        returnKeyType="go"
        onSubmitEditing={() => void logIn()}
      />
      <Button label="Log in" busy={busy} onPress={() => void logIn()} />
      <Button variant="link" label="Forgot your password?" onPress={() => navigation.navigate('ResetPassword', { email: email.trim() || undefined })} />
    </AuthLayout>
  );
}

