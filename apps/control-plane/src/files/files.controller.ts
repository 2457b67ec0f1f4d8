import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { Actor, type RequestActor } from '../http/request-actor.js';
import { MAX_FILE_BYTES, parseFileKind, parseFileName } from './file-kinds.js';
import type { FileView } from './file-rows.js';
import { answerFiles } from './files-error.js';
import { ProjectFiles } from './project-files.js';
import {
  MAX_BUFFERED_UPLOAD_BYTES,
  UploadBudget,
  declaredLength,
  readUploadBody,
} from './upload-body.js';

interface StatusResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
}

/** `attachment` with an ASCII fallback and the exact name (RFC 6266 / 8187). */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function* continued(
  first: Buffer,
  rest: AsyncIterator<Buffer, void, undefined>,
): AsyncGenerator<Buffer> {
  yield first;
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) {
    yield next.value;
  }
}

/**
 * The file service of an environment: schemas (JSON Schema, XSD, WSDL, DTD) and customizations
 * (plugins, connector packages). Bytes go in as a raw body and come out streamed through the
 * control plane: there is no pre-signed or public URL to any object.
 */
@ApiTags('files')
@Controller(apiV1('environments/:environmentId/files'))
export class FilesController {
  readonly #budget = new UploadBudget(MAX_BUFFERED_UPLOAD_BYTES);

  constructor(@Inject(ProjectFiles) private readonly files: ProjectFiles) {}

  @Post()
  @RequireAction('project.write')
  @ApiConsumes('application/octet-stream')
  @ApiQuery({ name: 'kind', enum: ['schema', 'customization'] })
  @ApiQuery({ name: 'name', type: String })
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOperation({
    summary:
      'Upload a file as the raw body (application/octet-stream): a schema (≤ 5 MiB, UTF-8 JSON Schema, XSD, WSDL or DTD) or a customization (≤ 50 MiB); its id is the sha256 of the bytes: 201 when new here, 200 when the environment has these bytes already; 413 FILE_TOO_LARGE',
  })
  async upload(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Query('kind') kind: unknown,
    @Query('name') name: unknown,
    @Req() request: IncomingMessage,
    @Res({ passthrough: true }) response: StatusResponse,
  ): Promise<FileView> {
    let release: (() => void) | undefined;
    try {
      const result = await answerFiles(async () => {
        const fileKind = parseFileKind(kind);
        const fileName = parseFileName(name);
        const limit = MAX_FILE_BYTES[fileKind];
        release = this.#budget.reserve(Math.min(declaredLength(request) ?? limit, limit));
        const bytes = await readUploadBody(request, limit);
        return this.files.upload(
          orgId,
          environmentId,
          { kind: fileKind, name: fileName, bytes },
          actor,
        );
      });
      response.status(result.created ? 201 : 200);
      return result.file;
    } catch (error) {
      // A refused body is not read to its end: close the connection after the answer rather
      // than read (or misread) the rest.
      if (!request.complete) response.setHeader('connection', 'close');
      throw error;
    } finally {
      release?.();
    }
  }

  @Get()
  @RequireAction('project.read')
  @ApiOperation({ summary: "The environment's files: metadata only (sha256, kind, name, size)" })
  async list(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
  ): Promise<{ items: FileView[] }> {
    return { items: await answerFiles(() => this.files.list(orgId, environmentId)) };
  }

  @Get(':sha256')
  @RequireAction('project.read')
  @ApiProduces('application/octet-stream')
  @ApiOperation({
    summary:
      'Download a file: decrypted and streamed through the control plane, as an attachment (never a pre-signed URL)',
  })
  async download(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('sha256') sha256: string,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const { file, content } = await answerFiles(() =>
      this.files.open(orgId, environmentId, sha256),
    );
    // The first chunk before any header: a missing object or a wrong key is an error answer,
    // not a cut download.
    const iterator = content[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done === true) throw new Error(`file ${file.sha256} has no content`);
    response.writeHead(200, {
      'content-type': file.mediaType,
      'content-length': String(file.size),
      'content-disposition': contentDisposition(file.name),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      etag: `"${file.sha256}"`,
    });
    // A failure after this cuts the connection: the length tells the client it is incomplete.
    try {
      await pipeline(Readable.from(continued(first.value, iterator)), response);
    } catch (error) {
      // The client went away: nothing is wrong here.
      if ((error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      throw error;
    }
  }

  @Delete(':sha256')
  @HttpCode(204)
  @RequireAction('project.write')
  @ApiOperation({
    summary:
      'Delete a file of the environment; 409 FILE_IN_USE while a stored project revision here names it',
  })
  async remove(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('sha256') sha256: string,
  ): Promise<void> {
    await answerFiles(() => this.files.delete(orgId, environmentId, sha256, actor));
  }
}
