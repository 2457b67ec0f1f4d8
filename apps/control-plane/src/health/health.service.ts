import { Injectable } from '@nestjs/common';
import { subjectFor } from '@weft/messaging';
@Injectable()
export class HealthService {
  status() { return { status: 'ok', s: subjectFor('a', 'b') }; }
}
