import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ListResponseOf, type ListResponse } from '@switchyard/api-kit';
import type { FastifyRequest } from 'fastify';
import { ApiAppIdParam, ApiMsgIdParam } from '../common/api-docs.js';
import { MessageContentQueryDto, MessageInDto, MessageListQueryDto } from './dto/message.dto.js';
import { MessageOut } from './message.mapper.js';
import { MessagesService } from './messages.service.js';

/** Svix `message.*`: `/api/v1/app/{app_id}/msg`. */
@Controller('api/v1/app/:app_id/msg')
@ApiTags('Message')
@ApiAppIdParam()
@ApiErrors(401, 404, 422)
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
    description:
      'Publishes a message to every endpoint of the application whose filterTypes and channels match it. The message is committed when this answers; deliveries follow.',
  })
  @ApiAcceptedResponse({ type: MessageOut })
  @ApiErrors(400, 409, 413)
  create(
    @Param('app_id') appId: string,
    @Query() query: MessageContentQueryDto,
    @Body() body: MessageInDto,
    @Req() request: RawBodyRequest<FastifyRequest>,
  ): Promise<MessageOut> {
    return this.messages.create(appId, body, request.rawBody, query.with_content !== false, request.headers);
  }

  @Get(':msg_id')
  @ApiOperation({ operationId: 'v1.message.get', summary: 'Get Message' })
  @ApiMsgIdParam()
  @ApiOkResponse({ type: MessageOut })
  get(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query() query: MessageContentQueryDto): Promise<MessageOut> {
    return this.messages.get(appId, msgId, query.with_content !== false);
  }
}
