import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import type { EndpointMessageOut, MessageAttemptOut, MessageEndpointOut } from './attempt.mapper.js';
import { AttemptsService } from './attempts.service.js';
import { AttemptedMessagesQueryDto, AttemptGetQueryDto, AttemptListByEndpointQueryDto, AttemptListByMsgQueryDto } from './dto/attempt.dto.js';

/** Svix `messageAttempt.*`, under `/api/v1/app/{app_id}`. */
@Controller('api/v1/app/:app_id')
export class AttemptsController {
  constructor(private readonly attempts: AttemptsService) {}

  @Get('attempt/endpoint/:endpoint_id')
  listByEndpoint(
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Query() query: AttemptListByEndpointQueryDto,
  ): Promise<ListResponse<MessageAttemptOut>> {
    return this.attempts.listByEndpoint(appId, endpointId, query);
  }

  @Get('attempt/msg/:msg_id')
  listByMsg(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query() query: AttemptListByMsgQueryDto): Promise<ListResponse<MessageAttemptOut>> {
    return this.attempts.listByMsg(appId, msgId, query);
  }

  @Get('msg/:msg_id/attempt/:attempt_id')
  get(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Param('attempt_id') attemptId: string, @Query() _query: AttemptGetQueryDto): Promise<MessageAttemptOut> {
    return this.attempts.get(appId, msgId, attemptId);
  }

  /** 202 with an empty object: the SDK parses the body of every 2xx but 204. */
  @Post('msg/:msg_id/endpoint/:endpoint_id/resend')
  @HttpCode(202)
  async resend(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Param('endpoint_id') endpointId: string): Promise<Record<string, never>> {
    await this.attempts.resend(appId, msgId, endpointId);
    return {};
  }

  @Get('endpoint/:endpoint_id/msg')
  listAttemptedMessages(
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Query() query: AttemptedMessagesQueryDto,
  ): Promise<ListResponse<EndpointMessageOut>> {
    return this.attempts.listAttemptedMessages(appId, endpointId, query);
  }

  @Get('msg/:msg_id/endpoint')
  listAttemptedDestinations(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query() query: ListQueryDto): Promise<ListResponse<MessageEndpointOut>> {
    return this.attempts.listAttemptedDestinations(appId, msgId, query);
  }
}
