import {
  jsonSchemaInterface,
  parseXsd,
  TransformError,
  xmlInterface,
  type RecordInterface,
} from '@weft/transform';
import { OperationRunError } from './operation-run.error.js';

/** An interface a transformation compiles against, inlined by the control plane. */
export type InterfaceDefinition =
  | { readonly format: 'json-schema'; readonly schema: unknown }
  | { readonly format: 'xsd'; readonly schema: string; readonly element?: string };

/**
 * The RecordInterfaces a mapping names (`source: { interface: order }`), built from the operation's
 * `transformation.interfaces`: JSON Schema through jsonSchemaInterface, XSD through parseXsd and
 * xmlInterface (the record element: `element`, or the schema's one global element). A definition
 * that does not build fails the run `invalid_operation` naming it.
 */
export function buildRecordInterfaces(
  definitions: Readonly<Record<string, InterfaceDefinition>>,
): Record<string, RecordInterface> {
  const built: Record<string, RecordInterface> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    try {
      built[name] =
        definition.format === 'json-schema'
          ? jsonSchemaInterface(definition.schema)
          : xsdInterface(definition.schema, definition.element);
    } catch (error) {
      if (OperationRunError.is(error)) throw error;
      const reason = TransformError.is(error) ? error.message : 'it could not be read';
      throw new OperationRunError(
        'invalid_operation',
        `operation.transformation.interfaces.${name} is not a usable ${definition.format} interface: ${reason}`,
      );
    }
  }
  return built;
}

function xsdInterface(text: string, element: string | undefined): RecordInterface {
  const schema = parseXsd(text);
  if (element !== undefined) return xmlInterface(schema, element);
  const [only, ...others] = schema.elements;
  if (only === undefined || others.length > 0) {
    throw new TransformError(
      'invalid_option',
      'name the record element (element): the schema does not declare exactly one global element',
    );
  }
  return xmlInterface(schema, only.name);
}
