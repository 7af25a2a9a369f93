import { Injectable } from '@nestjs/common';
import { ApiError, EndpointStore, ID_CURSOR, notFound, unprocessable, type ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import type { EndpointEntity } from '@switchyard/db';
import { ApplicationsService } from '../applications/applications.service.js';
import { DeliveryCommands } from '../../engine/commands/delivery-commands.js';
import { toMessageOut } from '../messages/message.mapper.js';
import { MessagesService } from '../messages/messages.service.js';
import { toEndpointMessageOut, toMessageAttemptOut, toMessageEndpointOut, type EndpointMessageOut, type MessageAttemptOut, type MessageEndpointOut } from './attempt.mapper.js';
import { AttemptsRepository } from './attempts.repository.js';
import type { AttemptedMessagesQueryDto, AttemptListByEndpointQueryDto, AttemptListByMsgQueryDto } from './dto/attempt.dto.js';

/** A message whose payload is gone (past its retention, or expunged) can not be sent again. */
function payloadGone(): ApiError {
  return new ApiError(410, 'payload_expired', "the message's payload is gone (past its retention or expunged), so it can not be sent again");
}

/** Svix message attempts: the attempt log, per-endpoint and per-message delivery state, and resend. */
@Injectable()
export class AttemptsService {
  constructor(
    private readonly repository: AttemptsRepository,
    private readonly applications: ApplicationsService,
    private readonly messages: MessagesService,
    private readonly endpoints: EndpointStore,
    private readonly commands: DeliveryCommands,
  ) {}

  async listByEndpoint(appIdOrUid: string, endpointIdOrUid: string, query: AttemptListByEndpointQueryDto): Promise<ListResponse<MessageAttemptOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const endpoint = await this.endpoints.find(app.id, endpointIdOrUid);
    const withContent = query.with_content !== false;
    const page = await this.repository.listByEndpoint(endpoint.id, query);
    if (!query.with_msg) return { ...page, data: page.data.map((a) => toMessageAttemptOut(a, withContent)) };
    // The page's messages in one query.
    const ids = [...new Set(page.data.map((a) => a.messageId))];
    const messages = ids.length ? await this.repository.messagesByIds(ids) : [];
    const byId = new Map(messages.map((m) => [m.id, toMessageOut(m, withContent)]));
    return { ...page, data: page.data.map((a) => toMessageAttemptOut(a, withContent, byId.get(a.messageId) ?? null)) };
  }

  async listByMsg(appIdOrUid: string, msgIdOrEventId: string, query: AttemptListByMsgQueryDto): Promise<ListResponse<MessageAttemptOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId);
    const endpointId = query.endpoint_id !== undefined ? (await this.endpoints.find(app.id, query.endpoint_id)).id : undefined;
    const withContent = query.with_content !== false;
    return this.repository.listByMsg(message.id, endpointId, query, (a) => toMessageAttemptOut(a, withContent));
  }

  async get(appIdOrUid: string, msgIdOrEventId: string, attemptId: string): Promise<MessageAttemptOut> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId);
    const attempt = await this.repository.findAttempt(message.id, attemptId);
    if (!attempt) throw notFound('message attempt');
    return toMessageAttemptOut(attempt, true);
  }

  /**
   * One more attempt of the message to the endpoint, now (Svix resend). The engine creates the
   * delivery if the endpoint never had one for this message, and leaves an attempt in flight alone.
   */
  async resend(appIdOrUid: string, msgIdOrEventId: string, endpointIdOrUid: string): Promise<void> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId);
    if (message.payload === null) throw payloadGone();
    const endpoint = await this.endpoints.find(app.id, endpointIdOrUid);
    if (await this.commands.resend(message.id, endpoint.id)) return;
    // The engine requires the payload too: the retention sweep or an expunge may have taken it meanwhile.
    const now = await this.messages.find(app, message.id).catch(() => null);
    throw now && now.payload === null ? payloadGone() : notFound('message or endpoint');
  }

  /** Removes the attempt's response body from the database (Svix attempt expunge-content); it reads `EXPUNGED` from then on. */
  async expungeContent(appIdOrUid: string, msgIdOrEventId: string, attemptId: string): Promise<void> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId, false);
    if (!(await this.commands.expungeAttempt(message.id, attemptId))) throw notFound('message attempt');
  }

  /** The endpoint's deliveries, newest first, as the messages they carry with their state there. */
  async listAttemptedMessages(appIdOrUid: string, endpointIdOrUid: string, query: AttemptedMessagesQueryDto): Promise<ListResponse<EndpointMessageOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const endpoint = await this.endpoints.find(app.id, endpointIdOrUid);
    // Svix's iterator here is a message id; the page is ordered by delivery, so translate it.
    const cursor = await this.deliveryCursor(endpoint, query.iterator);
    const withContent = query.with_content !== false;
    const page = await this.repository.listDeliveriesOfEndpoint(endpoint.id, query, { ...query, iterator: cursor?.deliveryIterator }, (d) => toEndpointMessageOut(d, withContent));
    return cursor && page.data.length === 0 ? { ...page, iterator: cursor.messageId } : page;
  }

  /** The endpoints a message was (or is being) delivered to, with its state at each. */
  async listAttemptedDestinations(appIdOrUid: string, msgIdOrEventId: string, query: ListQueryDto): Promise<ListResponse<MessageEndpointOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId);
    return this.repository.listDeliveriesOfMessage(message.id, query, toMessageEndpointOut);
  }

  /** A message-id iterator (optionally `-`-prefixed) as the id of that message's delivery to the endpoint. */
  private async deliveryCursor(endpoint: EndpointEntity, iterator: string | undefined): Promise<{ messageId: string; deliveryIterator: string } | undefined> {
    if (iterator === undefined || iterator === '') return undefined;
    const backwards = iterator.startsWith('-');
    const messageId = backwards ? iterator.slice(1) : iterator;
    if (!ID_CURSOR.test(messageId)) throw unprocessable(['query', 'iterator'], 'iterator is not valid');
    const deliveryId = await this.repository.deliveryIdOf(messageId, endpoint.id);
    if (deliveryId === null) throw unprocessable(['query', 'iterator'], 'iterator is not valid');
    return { messageId, deliveryIterator: `${backwards ? '-' : ''}${deliveryId}` };
  }
}
