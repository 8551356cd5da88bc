// AsyncStorage has no native module under jest; its package ships an in-memory mock.
jest.mock('@react-native-async-storage/async-storage', () => require('@react-native-async-storage/async-storage/jest/async-storage-mock'));
// Without this mock, rendering the whole App yields only an empty SafeAreaProvider (no insets under jest).
jest.mock('react-native-safe-area-context', () => require('react-native-safe-area-context/jest/mock').default);
