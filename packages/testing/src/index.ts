export { importBuiltPackage, type PackagingReport } from './packaging.js';
