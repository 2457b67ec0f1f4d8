import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

/**
 * Validates request DTOs (class-validator classes) the same way everywhere: unknown fields are
 * refused, values are transformed to their declared types, and the first problem becomes a 400
 * `VALIDATION_FAILED` naming the field — never echoing the value. Parameters typed `unknown` or
 * plain objects are left to their handlers.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => {
      const [field, problem] = firstProblem(errors, '');
      return new BadRequestException({
        code: 'VALIDATION_FAILED',
        message: problem,
        ...(field !== '' ? { details: { field } } : {}),
      });
    },
  });
}

function firstProblem(errors: readonly ValidationError[], prefix: string): [string, string] {
  for (const error of errors) {
    const field = prefix === '' ? error.property : `${prefix}.${error.property}`;
    const constraints = error.constraints ?? {};
    if (constraints.whitelistValidation !== undefined) return [field, `unknown field "${field}"`];
    const first = Object.values(constraints)[0];
    if (first !== undefined) return [field, first];
    if (error.children && error.children.length > 0) return firstProblem(error.children, field);
  }
  return ['', 'the request body is not valid'];
}
