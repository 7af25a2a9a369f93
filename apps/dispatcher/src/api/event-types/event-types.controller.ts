import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ListResponseOf, type ListResponse } from '@switchyard/api-kit';
import type { FastifyReply } from 'fastify';
import { ApiEventTypeNameParam } from '../common/api-docs.js';
import { EventTypeDeleteQueryDto, EventTypeInDto, EventTypeListQueryDto, EventTypePatchDto, EventTypeUpdateDto } from './dto/event-type.dto.js';
import { EventTypeOut } from './event-type.mapper.js';
import { EventTypesService } from './event-types.service.js';

/** Svix `eventType.*`: `/api/v1/event-type`. */
@Controller('api/v1/event-type')
@ApiTags('Event Type')
@ApiErrors(401, 403, 422)
export class EventTypesController {
  constructor(private readonly eventTypes: EventTypesService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.event-type.list', summary: 'List Event Types', description: 'By name, unless `order=descending`; archived ones only with `include_archived=true`.' })
  @ApiOkResponse({ type: ListResponseOf(EventTypeOut) })
  list(@Query() query: EventTypeListQueryDto): Promise<ListResponse<EventTypeOut>> {
    return this.eventTypes.list(query);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'v1.event-type.create', summary: 'Create Event Type', description: 'Creating an archived event type again brings it back with the new fields.' })
  @ApiCreatedResponse({ type: EventTypeOut })
  @ApiErrors(400, 409)
  create(@Body() body: EventTypeInDto): Promise<EventTypeOut> {
    return this.eventTypes.create(body);
  }

  @Get(':event_type_name')
  @ApiOperation({ operationId: 'v1.event-type.get', summary: 'Get Event Type' })
  @ApiEventTypeNameParam()
  @ApiOkResponse({ type: EventTypeOut })
  @ApiErrors(404)
  get(@Param('event_type_name') name: string): Promise<EventTypeOut> {
    return this.eventTypes.get(name);
  }

  /** Svix's update is an upsert: 201 when it created the event type. */
  @Put(':event_type_name')
  @ApiOperation({ operationId: 'v1.event-type.update', summary: 'Update Event Type', description: 'Replaces every field; creates the event type (201) when none has this name.' })
  @ApiEventTypeNameParam()
  @ApiOkResponse({ type: EventTypeOut, description: 'Updated' })
  @ApiCreatedResponse({ type: EventTypeOut, description: 'Created' })
  @ApiErrors(400)
  async update(@Param('event_type_name') name: string, @Body() body: EventTypeUpdateDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<EventTypeOut> {
    const { value, created } = await this.eventTypes.update(name, body);
    void reply.status(created ? 201 : 200);
    return value;
  }

  @Patch(':event_type_name')
  @ApiOperation({ operationId: 'v1.event-type.patch', summary: 'Patch Event Type', description: 'Only the fields present change; null clears a nullable one.' })
  @ApiEventTypeNameParam()
  @ApiOkResponse({ type: EventTypeOut })
  @ApiErrors(400, 404)
  patch(@Param('event_type_name') name: string, @Body() body: EventTypePatchDto): Promise<EventTypeOut> {
    return this.eventTypes.patch(name, body);
  }

  @Delete(':event_type_name')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.event-type.delete', summary: 'Delete Event Type', description: 'Archives the event type, or deletes it for good with `expunge=true`.' })
  @ApiEventTypeNameParam()
  @ApiNoContentResponse({ description: 'Archived or deleted' })
  @ApiErrors(404)
  async remove(@Param('event_type_name') name: string, @Query() query: EventTypeDeleteQueryDto): Promise<void> {
    await this.eventTypes.remove(name, query.expunge === true);
  }
}
