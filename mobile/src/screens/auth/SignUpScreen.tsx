import type { NativeStackScreenProps } from '@react-navigation/native-stack';
import type { AuthRoutes } from '../../navigation/routes';
import { EmptyState, Screen } from '../../ui/kit';

/** Placeholder: being built (issue 8). */
export function SignUpScreen(_props: NativeStackScreenProps<AuthRoutes, 'SignUp'>) {
  return (
    <Screen>
      <EmptyState title="SignUp" />
    </Screen>
  );
}
