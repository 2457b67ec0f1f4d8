export { readXml, DEFAULT_XML_LIMITS, type XmlReadOptions } from './reader.js';
export { writeXml, type XmlWriteOptions } from './writer.js';
export { parseXsd } from './xsd.js';
export type {
  XsdAttribute,
  XsdComplexType,
  XsdElement,
  XsdFacets,
  XsdParticle,
  XsdSchema,
  XsdSimpleType,
  XsdType,
} from './xsd-model.js';
export { xmlInterface, type XmlInterfaceOptions } from './xsd-interface.js';
export { inferXmlInterface, inferXmlInterfaceFromRecords, type InferXmlOptions } from './infer.js';
