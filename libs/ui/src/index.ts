export { FieldControl, FormField } from './lib/form-field';
export { fieldMessage, type FieldMessages } from './lib/field-message';
