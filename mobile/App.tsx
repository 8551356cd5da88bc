import { Platform } from 'react-native';
import { StatusBar } from 'expo-status-bar';
import { SafeAreaProvider } from 'react-native-safe-area-context';
import { SessionProvider, type SessionDeps } from './src/app/session';
import { asyncStorage, nativeByteSource, platformTokenStore, sha256Base64, webSources } from './src/core/platform';
import { RootNavigator } from './src/navigation/RootNavigator';

const platformDeps: SessionDeps = {
  storage: asyncStorage(),
  tokens: platformTokenStore(),
  bytes: Platform.OS === 'web' ? webSources.bytes : nativeByteSource,
  keeper: Platform.OS === 'web' ? webSources.keeper : undefined,
  sha256: sha256Base64,
};

/** The app's root: the platform's storage, crypto and files bound once, the session, the screens. */
export default function App(props: { deps?: SessionDeps }) {
  return (
    <SafeAreaProvider>
      <SessionProvider deps={props.deps ?? platformDeps}>
        <RootNavigator />
      </SessionProvider>
      <StatusBar style="dark" />
    </SafeAreaProvider>
  );
}
