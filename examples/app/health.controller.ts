import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public, TokenTrackingHealthIndicator } from '../../src/index.js';

/** Readiness for a load balancer: 503 while tokens cannot be checked. */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(TokenTrackingHealthIndicator) private readonly tokenTracking: TokenTrackingHealthIndicator,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.tokenTracking.isHealthy()]);
  }
}
