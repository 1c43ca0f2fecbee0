import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { serveStatic } from '@hono/node-server/serve-static';
import type { AppEnv, Deps } from './http/env.ts';
import { createRouter } from './http/router.ts';
import { handleError } from './http/errors.ts';
import { notFound, ProblemError, problemResponse } from './http/problem.ts';
import { originCheck } from './http/origin-check.ts';
import { refuseUnstorableCharacters } from './http/character-guard.ts';
import { keepConnectionHonest } from './http/early-refusal.ts';
import { requireSession, sessionMiddleware } from './http/session.ts';
import { tenantScope } from './http/tenant-scope.ts';
import { authRoutes } from './auth/routes.ts';
import { tenantRoutes } from './tenants/routes.ts';
import { staffRoutes } from './staff/routes.ts';
import { memberRoutes } from './members/routes.ts';
import { operatorRoutes } from './operators/routes.ts';
import { auditRoutes } from './audit/routes.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { rulesRoutes } from './rules/routes.ts';
import { hoursRoutes } from './hours/routes.ts';
import { scriptRoutes } from './scripts/routes.ts';
import { delegationRoutes } from './delegations/routes.ts';
import { healthRoutes } from './health/routes.ts';
import { docsRoutes } from './docs/routes.ts';
import { eventRoutes } from './events/routes.ts';
import { wallboardRoutes } from './wallboard/routes.ts';
import { callHandlingRoutes } from './call-handling/routes.ts';
import { deskContextRoutes } from './desk/context-routes.ts';
import { contactRoutes } from './contacts/routes.ts';
import { orderRoutes } from './orders/routes.ts';
import { complaintRoutes } from './complaints/routes.ts';
import { answerRoutes } from './answers/routes.ts';
import { surveyRoutes } from './surveys/routes.ts';
import { informationRequestRoutes } from './information-requests/routes.ts';
import { callRoutes } from './calls/routes.ts';
import { satisfactionRoutes } from './satisfaction/routes.ts';
import { telephonyRouter } from './telephony/routes.ts';
import { isAudioUploadPath, ivrRoutes } from './ivr/routes.ts';
import { pushRouter } from './telephony/push-routes.ts';
import { campaignBoardRoutes } from './campaigns/board-routes.ts';
import { deskRoutes } from './desk/routes.ts';
import { deskFiguresRoutes } from './desk/figures-routes.ts';
import { priceRoutes } from './billing/prices-routes.ts';
import { statementRoutes } from './billing/statements-routes.ts';
import { billingOverviewRoutes } from './billing/overview-routes.ts';
import { stripeWebhookRoutes } from './billing/stripe/webhook-routes.ts';
import { goLiveRoutes } from './go-live/routes.ts';
import { directoryRoutes } from './directory/routes.ts';
import { qualitySettingsRoutes } from './quality/settings-routes.ts';
import { qualitySamplingRoutes } from './quality/sampling-routes.ts';
import { qualityCalibrationRoutes } from './quality/calibration-routes.ts';
import { wrapUpRoutes } from './desk/wrap-up-routes.ts';
import { deskCarrierRoutes } from './desk/carrier-routes.ts';
import { privacyRoutes } from './privacy/routes.ts';
import { recordingRoutes } from './recordings/routes.ts';
import { retentionRoutes } from './retention/routes.ts';
import { campaignRoutes } from './campaigns/routes.ts';
import { isUploadPath, UPLOAD_BODY_LIMIT } from './campaigns/lists.ts';
import { callingListRoutes } from './calling-lists/routes.ts';
import { contractRoutes } from './contracts/routes.ts';
import { reportRoutes } from './kpis/reports-routes.ts';
import { qualityFormRoutes } from './quality/forms-routes.ts';
import { qualityEvaluationRoutes } from './quality/evaluations-routes.ts';
import { twilioInboundRouter } from './twilio/inbound-routes.ts';
import { twilioOutboundHooks } from './twilio/outbound-hooks.ts';
import { twilioAccountRoutes } from './twilio/account-routes.ts';

/** One router per domain, chained so hono/client keeps every route's types. */
const apiRoutes = createRouter()
  .route('/', healthRoutes)
  .route('/', authRoutes)
  .route('/', tenantRoutes)
  .route('/', staffRoutes)
  .route('/', memberRoutes)
  .route('/', operatorRoutes)
  .route('/', auditRoutes)
  .route('/', catalogRoutes)
  .route('/', hoursRoutes)
  .route('/', scriptRoutes)
  .route('/', delegationRoutes)
  .route('/', rulesRoutes)
  .route('/', eventRoutes)
  .route('/', wallboardRoutes)
  .route('/', callHandlingRoutes)
  .route('/', deskContextRoutes)
  .route('/', contactRoutes)
  .route('/', orderRoutes)
  .route('/', complaintRoutes)
  .route('/', informationRequestRoutes)
  .route('/', callRoutes)
  .route('/', satisfactionRoutes)
  .route('/', telephonyRouter)
  .route('/', pushRouter)
  .route('/', deskRoutes)
  .route('/', deskFiguresRoutes)
  .route('/', priceRoutes)
  .route('/', statementRoutes)
  .route('/', billingOverviewRoutes)
  .route('/', stripeWebhookRoutes)
  .route('/', goLiveRoutes)
  .route('/', directoryRoutes)
  .route('/', qualitySettingsRoutes)
  .route('/', qualitySamplingRoutes)
  .route('/', qualityCalibrationRoutes)
  .route('/', wrapUpRoutes)
  .route('/', deskCarrierRoutes)
  .route('/', privacyRoutes)
  .route('/', recordingRoutes)
  .route('/', retentionRoutes)
  .route('/', answerRoutes)
  .route('/', surveyRoutes)
  .route('/', campaignRoutes)
  .route('/', callingListRoutes)
  .route('/', campaignBoardRoutes)
  .route('/', contractRoutes)
  .route('/', reportRoutes)
  .route('/', qualityFormRoutes)
  .route('/', qualityEvaluationRoutes)
  .route('/', twilioInboundRouter)
  .route('/', twilioOutboundHooks)
  .route('/', ivrRoutes)
  .route('/', twilioAccountRoutes);

const routes = createRouter().route('/api', apiRoutes);

/** The API's shape, for the typed web client (hono/client). */
export type AppType = typeof routes;

const publicApiPaths = new Set(['/api/health', '/api/auth/login', '/api/auth/logout', '/api/openapi.json', '/api/billing/stripe/webhook']);

function requireSessionExceptPublic(): MiddlewareHandler<AppEnv> {
  const guard = requireSession();
  return (c, next) => (publicApiPaths.has(c.req.path) || c.req.path.startsWith('/api/docs') || c.req.path.startsWith('/api/telephony/') || c.req.path.startsWith('/api/twilio/hooks/') ? next() : guard(c, next));
}

export interface AppOptions {
  /** The built web app (web/dist); served with a fallback to index.html for client-side routes. */
  webDist?: string | undefined;
}

export function createApp(deps: Deps, options: AppOptions = {}) {
  const app = createRouter();
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // Twilio's Voice SDK (the operator's browser leg): its signalling over wss, its HTTPS endpoints (ICE
        // servers, insights, sounds) and its media (ringtones come from the SDK's CDN).
        connectSrc: ["'self'", 'https://*.twilio.com', 'wss://*.twilio.com'],
        mediaSrc: ["'self'", 'https://*.twilio.com', 'https://sdk.twilio.com', 'blob:'],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use('/api/*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('/api/*', keepConnectionHonest());
  const limitBodies = (maxSize: number) =>
    bodyLimit({ maxSize, onError: (c) => problemResponse(c, new ProblemError(413, 'payload-too-large', 'Payload too large', `Bodies are limited to ${maxSize} bytes.`)) });
  const [anyBody, uploadBody] = [limitBodies(deps.config.bodyLimitBytes), limitBodies(UPLOAD_BODY_LIMIT)];
  // A contact list's file (campaigns/lists.ts) and an uploaded recording (ivr/routes.ts) are the bodies allowed past the usual limit.
  app.use('/api/*', (c, next) => (c.req.method === 'POST' && (isUploadPath(c.req.path) || isAudioUploadPath(c.req.path)) ? uploadBody(c, next) : anyBody(c, next)));
  app.use('/api/*', originCheck());
  app.use('/api/*', sessionMiddleware());
  app.use('/api/*', requireSessionExceptPublic());
  app.use('/api/*', refuseUnstorableCharacters(app));
  app.use('/api/t/:tenant/*', tenantScope());
  app.route('/', routes);
  app.route('/api', docsRoutes);
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard API',
      version: '0.1.0',
      description:
        'Multi-tenant call-center API. Tenant routes live under /api/t/{tenant}/…; another tenant, or one you may not act for, answers 404. Errors are application/problem+json (RFC 9457) with a stable `code`, and each invalid field in `errors[]` has its `path`, `code` and `params` (docs/errors.md lists the codes).',
    },
  });
  app.all('/api/*', () => {
    throw notFound('No such API route.');
  });

  if (options.webDist && existsSync(join(options.webDist, 'index.html'))) {
    const root = relative(process.cwd(), options.webDist) || '.';
    app.use('/assets/*', serveStatic({ root }));
    app.use('*', serveStatic({ root }));
    app.get('*', serveStatic({ root, path: 'index.html' }));
  }
  app.notFound((c) => problemResponse(c, notFound('No such page.')));
  app.onError(handleError);
  return app;
}
