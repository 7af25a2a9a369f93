import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, EmptyResponse, ListQueryDto, ListResponseOf, type ListResponse } from '@switchyard/api-kit';
import { ApiAppIdParam, ApiAttemptIdParam, ApiEndpointIdParam, ApiMsgIdParam } from '../common/api-docs.js';
import { EndpointMessageOut, MessageAttemptOut, MessageEndpointOut } from './attempt.mapper.js';
import { AttemptsService } from './attempts.service.js';
import { AttemptedMessagesQueryDto, AttemptGetQueryDto, AttemptListByEndpointQueryDto, AttemptListByMsgQueryDto } from './dto/attempt.dto.js';

/** Svix `messageAttempt.*`, under `/api/v1/app/{app_id}`. */
@Controller('api/v1/app/:app_id')
@ApiTags('Message Attempt')
@ApiAppIdParam()
@ApiErrors(401, 403, 404, 422)
export class AttemptsController {
  constructor(private readonly attempts: AttemptsService) {}

  @Get('attempt/endpoint/:endpoint_id')
  @ApiOperation({ operationId: 'v1.message-attempt.list-by-endpoint', summary: 'List Attempts By Endpoint', description: 'Newest first unless `order=ascending`.' })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: ListResponseOf(MessageAttemptOut) })
  listByEndpoint(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Query() query: AttemptListByEndpointQueryDto): Promise<ListResponse<MessageAttemptOut>> {
    return this.attempts.listByEndpoint(appId, endpointId, query);
  }

  @Get('attempt/msg/:msg_id')
  @ApiOperation({ operationId: 'v1.message-attempt.list-by-msg', summary: 'List Attempts By Msg', description: 'Newest first unless `order=ascending`.' })
  @ApiMsgIdParam()
  @ApiOkResponse({ type: ListResponseOf(MessageAttemptOut) })
  listByMsg(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query() query: AttemptListByMsgQueryDto): Promise<ListResponse<MessageAttemptOut>> {
    return this.attempts.listByMsg(appId, msgId, query);
  }

  @Get('msg/:msg_id/attempt/:attempt_id')
  @ApiOperation({ operationId: 'v1.message-attempt.get', summary: 'Get Attempt' })
  @ApiMsgIdParam()
  @ApiAttemptIdParam()
  @ApiOkResponse({ type: MessageAttemptOut })
  get(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Param('attempt_id') attemptId: string, @Query() _query: AttemptGetQueryDto): Promise<MessageAttemptOut> {
    return this.attempts.get(appId, msgId, attemptId);
  }

  @Delete('msg/:msg_id/attempt/:attempt_id/content')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'v1.message-attempt.expunge-content',
    summary: 'Delete Attempt Response Body',
    description: "Removes the endpoint's response body from the attempt log in the database; `response` reads `EXPUNGED` from then on.",
  })
  @ApiMsgIdParam()
  @ApiAttemptIdParam()
  @ApiNoContentResponse({ description: 'Expunged' })
  async expungeContent(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Param('attempt_id') attemptId: string): Promise<void> {
    await this.attempts.expungeContent(appId, msgId, attemptId);
  }

  /** 202 with an empty object: the SDK parses the body of every 2xx but 204. */
  @Post('msg/:msg_id/endpoint/:endpoint_id/resend')
  @HttpCode(202)
  @ApiOperation({ operationId: 'v1.message-attempt.resend', summary: 'Resend Webhook', description: 'Sends the message to the endpoint again (a manual attempt).' })
  @ApiMsgIdParam()
  @ApiEndpointIdParam()
  @ApiAcceptedResponse({ type: EmptyResponse })
  @ApiErrors(409)
  async resend(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Param('endpoint_id') endpointId: string): Promise<Record<string, never>> {
    await this.attempts.resend(appId, msgId, endpointId);
    return {};
  }

  @Get('endpoint/:endpoint_id/msg')
  @ApiOperation({
    operationId: 'v1.message-attempt.list-attempted-messages',
    summary: 'List Attempted Messages',
    description: 'The messages sent to the endpoint, each with its delivery status there; newest first unless `order=ascending`.',
  })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: ListResponseOf(EndpointMessageOut) })
  listAttemptedMessages(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Query() query: AttemptedMessagesQueryDto): Promise<ListResponse<EndpointMessageOut>> {
    return this.attempts.listAttemptedMessages(appId, endpointId, query);
  }

  @Get('msg/:msg_id/endpoint')
  @ApiOperation({
    operationId: 'v1.message-attempt.list-attempted-destinations',
    summary: 'List Attempted Destinations',
    description: 'The endpoints the message was sent to, each with its delivery status there.',
  })
  @ApiMsgIdParam()
  @ApiOkResponse({ type: ListResponseOf(MessageEndpointOut) })
  listAttemptedDestinations(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query() query: ListQueryDto): Promise<ListResponse<MessageEndpointOut>> {
    return this.attempts.listAttemptedDestinations(appId, msgId, query);
  }
}
