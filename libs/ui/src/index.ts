export { FieldControl, FormField } from './lib/form-field';
export { fieldMessage, type FieldMessages } from './lib/field-message';
export { createPasskey, passkeyCancelled, passkeysSupported, usePasskey, type JsonObject } from './lib/webauthn';
