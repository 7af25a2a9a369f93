import { Module } from '@nestjs/common';

/** The Svix-compatible HTTP API (CONTRACT §3). */
@Module({})
export class ApiModule {}
