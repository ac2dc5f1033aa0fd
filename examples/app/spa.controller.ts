import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, HttpException, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../src/index.js';

/** An Express response or a Fastify reply. */
interface HeaderTarget {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/** Served as the page is: a strict CSP, so that even injected markup could not run script or send the token elsewhere. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const FILES: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'spa.js': 'text/javascript; charset=utf-8', 'spa.css': 'text/css; charset=utf-8' };

/**
 * The example's single-page app at `/spa`: sign-in, silent refresh, a
 * guarded call, sign-out, on the browser session (see docs/browser-sessions.md).
 * Its files are read from examples/app/spa when the application starts.
 */
@ApiExcludeController()
@Public()
@Controller('spa')
export class SpaController {
  private readonly files = new Map(Object.entries(FILES).map(([name, type]) => [name, { type, body: readFileSync(join(process.cwd(), 'examples/app/spa', name), 'utf8') }]));

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(@Req() request: { originalUrl?: string; url?: string }, @Res({ passthrough: true }) response: HeaderTarget): string {
    // At /spa, without a trailing slash (which Fastify does not route): its links are relative to that.
    const path = (request.originalUrl ?? request.url ?? '/').split('?')[0]!;
    if (path.endsWith('/')) {
      setHeader(response, 'Location', '../spa');
      setHeader(response, 'Content-Type', 'application/json; charset=utf-8');
      throw new HttpException({ statusCode: 308, message: 'the page is at /spa' }, 308);
    }
    return this.file('index.html', response);
  }

  @Get(':file')
  asset(@Param('file') name: string, @Res({ passthrough: true }) response: HeaderTarget): string {
    return this.file(name, response);
  }

  private file(name: string, response: HeaderTarget): string {
    const file = this.files.get(name);
    if (!file) throw new NotFoundException();
    setHeader(response, 'Content-Type', file.type);
    setHeader(response, 'Content-Security-Policy', CONTENT_SECURITY_POLICY);
    setHeader(response, 'X-Content-Type-Options', 'nosniff');
    setHeader(response, 'Referrer-Policy', 'no-referrer');
    setHeader(response, 'Cache-Control', 'no-cache');
    return file.body;
  }
}

function setHeader(response: HeaderTarget, name: string, value: string): void {
  if (typeof response.setHeader === 'function') response.setHeader(name, value);
  else response.header?.(name, value);
}
