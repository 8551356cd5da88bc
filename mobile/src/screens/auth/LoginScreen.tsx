import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import type { AuthRoutes } from '../../navigation/routes';
import { EmptyState, Screen } from '../../ui/kit';

/** Placeholder: being built (issue 8). */
export function LoginScreen(_props: NativeStackScreenProps<AuthRoutes, 'Login'>) {
  return (
    <Screen>
      <EmptyState title="Login" />
    </Screen>
  );
}
