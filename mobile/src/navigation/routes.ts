import type { LinkingOptions } from '@react-navigation/native';

/** Screens before sign-in. */
export type AuthRoutes = {
  Login: { email?: string; notice?: string } | undefined;
  /** `step: 'confirm'` opens on the code step for `email` (an unconfirmed account coming from Login). */
  SignUp: { email?: string; step?: 'confirm' } | undefined;
  ResetPassword: { email?: string } | undefined;
};

/** Screens of a signed-in user. `from` tells the viewer whether the photo is in the trash. */
export type AppRoutes = {
  Home: undefined;
  Uploading: undefined;
  Photo: { id: string; from?: 'timeline' | 'trash' };
  Trash: undefined;
  Account: undefined;
  /** My albums, or the ones others share with me. */
  Albums: { tab?: 'mine' | 'shared' } | undefined;
  /** `notice`: what the screen that led here did (photos added), shown once above the grid. */
  Album: { id: string; notice?: string };
  AlbumPhoto: { albumId: string; photoId: string };
  AlbumShare: { id: string };
  /** Picks photos of my library to add to the album. */
  AlbumAddPhotos: { id: string };
  /** The album picker for the photos chosen elsewhere: their ids, comma-separated (a web URL survives a reload). */
  AddToAlbum: { photos: string };
  Family: undefined;
};

/**
 * Web URLs: a reload stays on its screen (the server answers every app path with the app). Each stack
 * has its own, with its first screen beneath whatever a URL opens, so a link straight to /trash or
 * /photos/:id still has a way back.
 */
export const authLinking: LinkingOptions<AuthRoutes> = {
  prefixes: [],
  config: {
    initialRouteName: 'Login',
    screens: { Login: 'login', SignUp: 'signup', ResetPassword: 'reset-password' },
  },
};

export const appLinking: LinkingOptions<AppRoutes> = {
  prefixes: [],
  config: {
    initialRouteName: 'Home',
    screens: {
      Home: '',
      Uploading: 'uploads',
      Photo: 'photos/:id',
      Trash: 'trash',
      Account: 'account',
      Albums: 'albums',
      Album: 'albums/:id',
      AlbumPhoto: 'albums/:albumId/photos/:photoId',
      AlbumShare: 'albums/:id/share',
      AlbumAddPhotos: 'albums/:id/add',
      AddToAlbum: 'add-to-album',
      Family: 'family',
    },
  },
};
