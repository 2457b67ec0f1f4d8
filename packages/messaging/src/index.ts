export { subjectFor } from './subjects.js';
