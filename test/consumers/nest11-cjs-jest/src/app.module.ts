import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TokenTrackingModule } from 'nestjs-token-tracking';
import { AuthController } from './auth/auth.controller';
import { UsersService } from './auth/users.service';
import { PrismaModule } from './prisma/prisma.module';
import { PrismaService } from './prisma/prisma.service';
import { ProfileController } from './profile.controller';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    PrismaModule,
    TokenTrackingModule.forRootAsync({
      imports: [PrismaModule, ConfigModule],
      inject: [PrismaService, ConfigService],
      useFactory: (prisma: PrismaService, config: ConfigService) => ({
        prisma,
        signing: { algorithm: 'HS256', secret: config.getOrThrow<string>('JWT_SECRET') },
        issuer: 'consumer-nest11',
        audience: 'consumer-nest11-clients',
        expiresIn: 900,
        maxUserSessions: 2,
        // On request only: the upgrade check runs this application with the
        // replica beside an older version without it.
        ...(config.get('REVOCATION_REPLICA') === 'on'
          ? { revocationReplica: { connectionString: config.getOrThrow<string>('DATABASE_URL') } }
          : {}),
      }),
      sessionRoutes: true,
      adminRoutes: { authorize: (session) => session.data.role === 'admin' },
    }),
  ],
  controllers: [AuthController, ProfileController],
  providers: [UsersService],
})
export class AppModule {}
