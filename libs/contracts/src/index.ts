export * from './errors';
export * from './permissions';
export * from './common';
export * from './servers';
export * from './directory';
export * from './admin';
export * from './health';
export * from './tokens';
