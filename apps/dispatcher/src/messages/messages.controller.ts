import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, type RawBodyRequest } from '@nestjs/common';
import type { ListResponse } from '@switchyard/api-kit';
import type { FastifyRequest } from 'fastify';
import { MessageContentQueryDto, MessageInDto, MessageListQueryDto } from './dto/message.dto.js';
import type { MessageOut } from './message.mapper.js';
import { MessagesService } from './messages.service.js';

/** Svix `message.*`: `/api/v1/app/{app_id}/msg`. */
@Controller('api/v1/app/:app_id/msg')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  list(@Param('app_id') appId: string, @Query() query: MessageListQueryDto): Promise<ListResponse<MessageOut>> {
    return this.messages.list(appId, query);
  }

  /** 202: the message is committed and will be delivered. The raw body keeps the payload's exact text. */
  @Post()
  @HttpCode(202)
  create(
    @Param('app_id') appId: string,
    @Query() query: MessageContentQueryDto,
    @Body() body: MessageInDto,
    @Req() request: RawBodyRequest<FastifyRequest>,
  ): Promise<MessageOut> {
    return this.messages.create(appId, body, request.rawBody, query.with_content !== false);
  }

  @Get(':msg_id')
  get(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query() query: MessageContentQueryDto): Promise<MessageOut> {
    return this.messages.get(appId, msgId, query.with_content !== false);
  }
}
