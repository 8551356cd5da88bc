import { configure } from '@testing-library/react-native';

// Every screen test renders the whole app on a shared 2-core machine: findBy/waitFor get 5 s, not 1.
configure({ asyncUtilTimeout: 5000 });
