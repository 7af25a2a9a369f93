import type { AddressInfo } from 'node:net';
import { getQueueToken } from '@nestjs/bull';
import { Inject, Injectable, Logger, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { fastify as createFastify, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { setupQueueBoard } from './queue-board.js';
import { ReadinessService } from './readiness.js';

export interface AdminListenerOptions {
  /** ADMIN_HOST: 127.0.0.1 unless an operator opens it wider (a container's network, a scraper). */
  readonly host: string;
  /** ADMIN_PORT; 0 takes an ephemeral port. */
  readonly port: number;
  /** The admin token, which the queue dashboard still asks for. */
  readonly adminToken: string;
  /** The Bull queues the dashboard shows. */
  readonly queueNames: readonly string[];
}

const ADMIN_LISTENER_OPTIONS = Symbol('ADMIN_LISTENER_OPTIONS');

/**
 * The operator's own port, apart from the public one (ingress, APIs, docs): Prometheus metrics at
 * /metrics, readiness with each dependency's detail at /health/ready, and the Bull dashboard at
 * /admin/queues (behind the admin token, as it can change queues). Its own small Fastify server,
 * so none of these routes exists on the public port at all. Started by `listen()` once the app
 * is up; closed with the app.
 */
@Injectable()
export class AdminListener implements OnModuleDestroy {
  private readonly logger = new Logger('AdminListener');
  private server: FastifyInstance | undefined;
  private address: string | undefined;

  constructor(
    @Inject(ADMIN_LISTENER_OPTIONS) private readonly options: AdminListenerOptions,
    private readonly registry: Registry,
    private readonly readiness: ReadinessService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** `http://host:port` once listening. */
  get url(): string | undefined {
    return this.address;
  }

  /** Starts serving; resolves with the URL (the actual port when ADMIN_PORT is 0). */
  async listen(): Promise<string> {
    if (this.address) return this.address;
    const server = createFastify({ logger: false, forceCloseConnections: true });
    server.setErrorHandler(async (error: Error, _request, reply) => {
      this.logger.error(`admin listener: ${error.stack ?? error.message}`);
      return reply.code(500).send({ code: 'internal_error', detail: 'internal error' });
    });
    server.get('/metrics', async (_request, reply) => {
      void reply.header('content-type', this.registry.contentType).header('cache-control', 'no-store');
      return this.registry.metrics();
    });
    server.get('/health/ready', async (_request, reply) => {
      const { ok, report } = await this.readiness.check();
      return reply
        .code(ok ? 200 : 503)
        .header('cache-control', 'no-store')
        .send(report);
    });
    const queues = this.options.queueNames.map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    await setupQueueBoard(server, queues, this.options.adminToken);
    await server.listen({ host: this.options.host, port: this.options.port });
    this.server = server;
    const { port } = server.server.address() as AddressInfo;
    this.address = `http://${this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host}:${port}`;
    return this.address;
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.address = undefined;
    await server?.close();
  }
}

/** The admin listener (AdminListener); needs MetricsModule, ReadinessModule and the queues registered. */
@Module({})
export class AdminListenerModule {
  static forRoot(options: AdminListenerOptions): DynamicModule {
    return {
      module: AdminListenerModule,
      providers: [{ provide: ADMIN_LISTENER_OPTIONS, useValue: options }, AdminListener],
      exports: [AdminListener],
    };
  }
}
