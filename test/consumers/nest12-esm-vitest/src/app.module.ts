import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TokenTrackingModule } from 'nestjs-token-tracking';
import { AuthController } from './auth/auth.controller.js';
import { UsersService } from './auth/users.service.js';
import { PrismaModule } from './prisma/prisma.module.js';
import { PrismaService } from './prisma/prisma.service.js';
import { ProfileController } from './profile.controller.js';

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
        issuer: 'consumer-nest12',
        audience: 'consumer-nest12-clients',
        expiresIn: 900,
        maxUserSessions: 2,
      }),
      sessionRoutes: true,
      adminRoutes: { authorize: (session) => session.data.role === 'admin' },
    }),
  ],
  controllers: [AuthController, ProfileController],
  providers: [UsersService],
})
export class AppModule {}
