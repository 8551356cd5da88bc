import { StatusBar } from 'expo-status-bar';
import { StyleSheet, Text, View } from 'react-native';
import { SafeAreaProvider, SafeAreaView } from 'react-native-safe-area-context';

/** The app's root. Screens (Login, Home, Uploading, ...) come in later sessions; this only proves the shell renders. */
export default function App() {
  return (
    <SafeAreaProvider>
      <SafeAreaView style={styles.root}>
        <View style={styles.center}>
          <Text accessibilityRole="header" style={styles.title}>
            AuroraVault
          </Text>
          <Text style={styles.subtitle}>Your photos, safely kept.</Text>
        </View>
        <StatusBar style="auto" />
      </SafeAreaView>
    </SafeAreaProvider>
  );
}

const styles = StyleSheet.create({
  root: { flex: 1, backgroundColor: '#fff' },
  center: { flex: 1, alignItems: 'center', justifyContent: 'center', padding: 24 },
  title: { fontSize: 28, fontWeight: '700', color: '#111' },
  subtitle: { marginTop: 8, fontSize: 16, color: '#444' },
});
