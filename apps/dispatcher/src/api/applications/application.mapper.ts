import { ApiProperty } from '@nestjs/swagger';
import type { ApplicationEntity } from '@switchyard/db';
import { EXAMPLE, METADATA_SCHEMA } from '../common/api-docs.js';

/** Svix `ApplicationOut`, as sent on the wire (the class only documents it; mappers build plain objects). */
export class ApplicationOut {
  @ApiProperty({ type: String, description: "The application's id", example: EXAMPLE.appId })
  id: string;

  @ApiProperty({ type: String, nullable: true, description: 'Your own unique identifier, usable wherever the id is', example: 'unique-app-identifier' })
  uid: string | null;

  @ApiProperty({ type: String, example: 'My first application' })
  name: string;

  @ApiProperty({ type: 'integer', nullable: true, deprecated: true, description: 'Same as throttleRate', example: 100 })
  rateLimit: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Messages per second to each endpoint of the application that has no limit of its own', example: 100 })
  throttleRate: number | null;

  @ApiProperty(METADATA_SCHEMA)
  metadata: Record<string, string>;

  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.time })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.time })
  updatedAt: string;
}

/** Maps an application row to Svix's `ApplicationOut`. */
export function toApplicationOut(app: ApplicationEntity): ApplicationOut {
  return {
    id: app.id,
    uid: app.uid,
    name: app.name,
    rateLimit: app.rateLimit,
    throttleRate: app.rateLimit,
    metadata: app.metadata ?? {},
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
