import type { StandInLibrary, StandInUser } from './standin';

/** The stand-in's demo directory: what `main.ts` serves and what the end-to-end test signs in with. */
export const DEMO = {
  users: [
    { id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'alice', password: 'alice-pw', email: 'alice@example.com', groups: ['family'] },
    { id: 'b1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'bob', password: 'bob-pw', groups: ['friends'] },
  ] satisfies StandInUser[],
  groups: [
    { id: 'family', name: 'Family' },
    { id: 'friends', name: 'Friends' },
  ],
  libraries: [
    { id: 'movies', name: 'Movies' },
    { id: 'home-videos', name: 'Home videos' },
  ] satisfies StandInLibrary[],
};
