import { Platform, Pressable, StyleSheet, Text } from 'react-native';
import { NavigationContainer, DefaultTheme, type Theme } from '@react-navigation/native';
import { createNativeStackNavigator } from '@react-navigation/native-stack';
import { useSession } from '../app/session';
import { LoadingState } from '../ui/kit';
import { colors, TOUCH_TARGET } from '../ui/theme';
import { AccountScreen } from '../screens/AccountScreen';
import { AddToAlbumScreen } from '../screens/AddToAlbumScreen';
import { AlbumAddPhotosScreen } from '../screens/AlbumAddPhotosScreen';
import { AlbumPhotoScreen } from '../screens/AlbumPhotoScreen';
import { AlbumScreen } from '../screens/AlbumScreen';
import { AlbumShareScreen } from '../screens/AlbumShareScreen';
import { AlbumsScreen } from '../screens/AlbumsScreen';
import { FamilyScreen } from '../screens/FamilyScreen';
import { HomeScreen } from '../screens/HomeScreen';
import { LoginScreen } from '../screens/auth/LoginScreen';
import { PhotoScreen } from '../screens/PhotoScreen';
import { ResetPasswordScreen } from '../screens/auth/ResetPasswordScreen';
import { SignUpScreen } from '../screens/auth/SignUpScreen';
import { TrashScreen } from '../screens/TrashScreen';
import { UploadingScreen } from '../screens/UploadingScreen';
import { appLinking, authLinking, type AppRoutes, type AuthRoutes } from './routes';

const Auth = createNativeStackNavigator<AuthRoutes>();
const App = createNativeStackNavigator<AppRoutes>();

const theme: Theme = {
  ...DefaultTheme,
  colors: { ...DefaultTheme.colors, primary: colors.primary, background: colors.background, card: colors.surface, text: colors.text, border: colors.border },
};

// The title in the text colour: in the tint (the actions' blue) it read like a link.
const headerOptions = { headerTitleStyle: { fontWeight: '700' as const, color: colors.text }, headerTintColor: colors.primary, headerShadowVisible: false };

/**
 * The web header's own back button is a 30 px target; this one is 44 (phones keep their native one,
 * which also handles the swipe back).
 */
function WebBackButton(props: { onPress: () => void }) {
  return (
    <Pressable accessibilityRole="button" accessibilityLabel="Back" onPress={props.onPress} style={({ pressed }) => [styles.back, pressed && styles.backPressed]}>
      <Text style={styles.backArrow}>←</Text>
    </Pressable>
  );
}

const appScreenOptions = ({ navigation }: { navigation: { canGoBack(): boolean; goBack(): void } }) =>
  Platform.OS === 'web'
    ? { ...headerOptions, headerLeft: () => (navigation.canGoBack() ? <WebBackButton onPress={() => navigation.goBack()} /> : null) }
    : headerOptions;

/** A tab's screen (Albums, Family) is reached by the tab bar, not drilled into: no back arrow. */
const tabOptions = { headerLeft: () => null, headerBackVisible: false, gestureEnabled: false };

const styles = StyleSheet.create({
  back: { minWidth: TOUCH_TARGET, minHeight: TOUCH_TARGET, alignItems: 'center', justifyContent: 'center', borderRadius: TOUCH_TARGET / 2, marginRight: 4 },
  backPressed: { backgroundColor: colors.placeholder },
  backArrow: { fontSize: 24, lineHeight: 28, color: colors.primary },
});

/** Signed out: the auth screens only; signed in: the library. Switching stacks is the whole auth guard. */
export function RootNavigator() {
  const session = useSession();
  if (session.status === 'loading') return <LoadingState label="Opening AuroraVault" />;
  return (
    // Keyed by the session's status: signing in or out starts the other stack afresh, with its own URLs.
    <NavigationContainer
      key={session.status}
      theme={theme}
      linking={(session.status === 'signedIn' ? appLinking : authLinking) as never}
      documentTitle={{ formatter: (options) => (options?.title ? `${options.title} · AuroraVault` : 'AuroraVault') }}>
      {session.status === 'signedIn' ? (
        <App.Navigator screenOptions={appScreenOptions}>
          <App.Screen name="Home" component={HomeScreen} options={{ title: 'Photos' }} />
          <App.Screen name="Uploading" component={UploadingScreen} options={{ title: 'Uploads' }} />
          <App.Screen name="Photo" component={PhotoScreen} options={{ title: 'Photo' }} />
          <App.Screen name="Trash" component={TrashScreen} options={{ title: 'Trash' }} />
          <App.Screen name="Account" component={AccountScreen} options={{ title: 'Account' }} />
          <App.Screen name="Albums" component={AlbumsScreen} options={{ title: 'Albums', ...tabOptions }} />
          <App.Screen name="Album" component={AlbumScreen} options={{ title: 'Album' }} />
          <App.Screen name="AlbumPhoto" component={AlbumPhotoScreen} options={{ title: 'Photo' }} />
          <App.Screen name="AlbumShare" component={AlbumShareScreen} options={{ title: 'Share album' }} />
          <App.Screen name="AlbumAddPhotos" component={AlbumAddPhotosScreen} options={{ title: 'Add photos' }} />
          <App.Screen name="AddToAlbum" component={AddToAlbumScreen} options={{ title: 'Add to album' }} />
          <App.Screen name="Family" component={FamilyScreen} options={{ title: 'Family', ...tabOptions }} />
        </App.Navigator>
      ) : (
        <Auth.Navigator screenOptions={{ headerShown: false }}>
          <Auth.Screen name="Login" component={LoginScreen} options={{ title: 'Log in' }} />
          <Auth.Screen name="SignUp" component={SignUpScreen} options={{ title: 'Create account' }} />
          <Auth.Screen name="ResetPassword" component={ResetPasswordScreen} options={{ title: 'Reset password' }} />
        </Auth.Navigator>
      )}
    </NavigationContainer>
  );
}
