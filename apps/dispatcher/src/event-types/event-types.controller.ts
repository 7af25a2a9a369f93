import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { ListResponse } from '@switchyard/api-kit';
import type { FastifyReply } from 'fastify';
import { EventTypeDeleteQueryDto, EventTypeInDto, EventTypeListQueryDto, EventTypePatchDto, EventTypeUpdateDto } from './dto/event-type.dto.js';
import type { EventTypeOut } from './event-type.mapper.js';
import { EventTypesService } from './event-types.service.js';

/** Svix `eventType.*`: `/api/v1/event-type`. */
@Controller('api/v1/event-type')
export class EventTypesController {
  constructor(private readonly eventTypes: EventTypesService) {}

  @Get()
  list(@Query() query: EventTypeListQueryDto): Promise<ListResponse<EventTypeOut>> {
    return this.eventTypes.list(query);
  }

  @Post()
  @HttpCode(201)
  create(@Body() body: EventTypeInDto): Promise<EventTypeOut> {
    return this.eventTypes.create(body);
  }

  @Get(':event_type_name')
  get(@Param('event_type_name') name: string): Promise<EventTypeOut> {
    return this.eventTypes.get(name);
  }

  /** Svix's update is an upsert: 201 when it created the event type. */
  @Put(':event_type_name')
  async update(@Param('event_type_name') name: string, @Body() body: EventTypeUpdateDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<EventTypeOut> {
    const { value, created } = await this.eventTypes.update(name, body);
    void reply.status(created ? 201 : 200);
    return value;
  }

  @Patch(':event_type_name')
  patch(@Param('event_type_name') name: string, @Body() body: EventTypePatchDto): Promise<EventTypeOut> {
    return this.eventTypes.patch(name, body);
  }

  @Delete(':event_type_name')
  @HttpCode(204)
  async remove(@Param('event_type_name') name: string, @Query() query: EventTypeDeleteQueryDto): Promise<void> {
    await this.eventTypes.remove(name, query.expunge === true);
  }
}
