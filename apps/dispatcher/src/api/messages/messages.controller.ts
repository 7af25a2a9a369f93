import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ListResponseOf, type ListResponse } from '@switchyard/api-kit';
import type { FastifyRequest } from 'fastify';
import { ApiAppIdParam, ApiMsgIdParam } from '../common/api-docs.js';
import { BulkExpungeContentsInDto, MessageContentQueryDto, MessageInDto, MessageListQueryDto } from './dto/message.dto.js';
import { BulkExpungeContentsOut, ExpungeAllContentsOut, MessageOut } from './message.mapper.js';
import { MessagesService } from './messages.service.js';

/** Svix `message.*`: `/api/v1/app/{app_id}/msg`. */
@Controller('api/v1/app/:app_id/msg')
@ApiTags('Message')
@ApiAppIdParam()
@ApiErrors(401, 403, 404, 422)
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.message.list', summary: 'List Messages', description: 'Newest first unless `order=ascending`.' })
  @ApiOkResponse({ type: ListResponseOf(MessageOut) })
  list(@Param('app_id') appId: string, @Query() query: MessageListQueryDto): Promise<ListResponse<MessageOut>> {
    return this.messages.list(appId, query);
  }

  /** 202: the message is committed and will be delivered. The raw body keeps the payload's exact text. */
  @Post()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'v1.message.create',
    summary: 'Create Message',
    description: 'Publishes a message to every endpoint of the application whose filterTypes and channels match it. The message is committed when this answers; deliveries follow.',
  })
  @ApiAcceptedResponse({ type: MessageOut })
  @ApiErrors(400, 409, 413)
  create(@Param('app_id') appId: string, @Query() query: MessageContentQueryDto, @Body() body: MessageInDto, @Req() request: RawBodyRequest<FastifyRequest>): Promise<MessageOut> {
    return this.messages.create(appId, body, request.rawBody, query.with_content !== false, request.headers);
  }

  @Get(':msg_id')
  @ApiOperation({ operationId: 'v1.message.get', summary: 'Get Message' })
  @ApiMsgIdParam()
  @ApiOkResponse({ type: MessageOut })
  get(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query() query: MessageContentQueryDto): Promise<MessageOut> {
    return this.messages.get(appId, msgId, query.with_content !== false);
  }

  @Post('bulk-expunge')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'v1.message.bulk-expunge-content',
    summary: 'Bulk Expunge Message Contents',
    description: 'Removes the payloads of the named messages (ids or eventIds) from the database; they can no longer be resent or replayed.',
  })
  @ApiOkResponse({ type: BulkExpungeContentsOut })
  bulkExpungeContent(@Param('app_id') appId: string, @Body() body: BulkExpungeContentsInDto): Promise<BulkExpungeContentsOut> {
    return this.messages.bulkExpungeContent(appId, body);
  }

  /** 202 with the task, finished: the work is done, in bounded batches, before this answers. */
  @Post('expunge-all-contents')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'v1.message.expunge-all-contents',
    summary: 'Expunge All Message Contents',
    description:
      'Removes every message payload of the application from the database, as an `application.purge_content` background task whose data is `{ messagesPurged }`. Deliveries not yet sent fail as `payload_expunged`.',
  })
  @ApiAcceptedResponse({ type: ExpungeAllContentsOut })
  expungeAllContents(@Param('app_id') appId: string): Promise<ExpungeAllContentsOut> {
    return this.messages.expungeAllContents(appId);
  }

  @Delete(':msg_id/content')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'v1.message.expunge-content',
    summary: 'Delete Message Payload',
    description:
      'Removes the message\'s payload from the database (it reads `{"expired":true}` from then on). The message can\'t be resent or replayed afterwards; its deliveries not yet sent fail as `payload_expunged`.',
  })
  @ApiMsgIdParam()
  @ApiNoContentResponse({ description: 'Expunged' })
  async expungeContent(@Param('app_id') appId: string, @Param('msg_id') msgId: string): Promise<void> {
    await this.messages.expungeContent(appId, msgId);
  }
}
