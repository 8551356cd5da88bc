import { render, screen } from '@testing-library/react-native';
import App from '../App';

test('the app shell renders its title', () => {
  render(<App />);
  expect(screen.getByRole('header')).toHaveTextContent('AuroraVault');
});
