#!/usr/bin/env node
import { createAccessHandler } from './aaa/access.js';
import { createDecisionRecorder } from './aaa/decision-recorder.js';
import { pruneDecisions } from './aaa/decisions.js';
import { createOpenSessionFinder } from './aaa/usage.js';
import { createAccountingHandler } from './aaa/accounting.js';
import { resolveAttributes } from './aaa/attributes.js';
import { NasActivity } from './aaa/nas-activity.js';
import { NasDirectory } from './aaa/nas-directory.js';
import { EnforcementWorker, enqueueExpired, enqueueForCustomer, recordExpiryWarnings } from './aaa/enforcement.js';
import { createSessionWriter } from './aaa/sessions.js';
import { pruneUserDays } from './aaa/session-stats.js';
import { activateCustomer, billingJobFor, createSubscriberLookup, pruneSubscriberChanges, runBilling, BILLING_RUN } from './billing/index.js';
import { ConfigError, loadConfig, localFolderOf, type Config } from './config.js';
import { createSecretBox, loadOrCreateKey } from './crypto/secret-box.js';
import { describeDatabase, isDatabaseReachable, isPostgresUrl, openDatabase, type Db } from './db/connection.js';
import { Scheduler } from './jobs/scheduler.js';
import { getSetting, operatorZone } from './settings/index.js';
import { BACKUP_RUN, backupJobFor, pruneRequestKeys } from './operations/index.js';
import { backupInChildProcess, storageReportInChildProcess } from './operations/backup-process.js';
import { createGroupCommit } from './db/group-commit.js';
import { startCheckpointer } from './db/checkpointer.js';
import { walFileSize } from './db/wal.js';
import { chmodSync, existsSync, mkdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { activityOfAllNodes, routerState, shareActivity } from './aaa/nas-activity.js';
import { countOpenSessions } from './aaa/session-stats.js';
import { runAlerts } from './operations/alerts.js';
import { foldStep, pruneNasLoadSamples, sampleNasLoad, type FoldStep } from './reports/rollups.js';
import { lastBackup } from './operations/backup.js';
import { outboxBacklog } from './messaging/outbox-stats.js';
import { countAttemptsByStatus, countCallbacks, lastFinishedStatuses } from './payments/attempt-stats.js';
import { countAwaitingReview } from './payments/review-count.js';
import { markRunning, markStopped } from './settings/run-marker.js';
import { LeaseKeeper } from './settings/leases.js';
import { nodeName, thisNode } from './jobs/node.js';
import { recoverAtStart } from './startup-recovery.js';
import { t } from './i18n/index.js';
import { createLogger } from './observability/logger.js';
import { addOperationsMetrics, createMetrics } from './observability/metrics.js';
import { defaultDictionaryPath, loadDictionary } from './radius/dictionary.js';
import { CoaClient } from './radius/coa-client.js';
import { RadiusServer } from './radius/server.js';
import { ensureFirstAdmin, findStaff } from './staff/index.js';
import { ProviderRegistry, pruneReceiptLookups, ReconcileWorker } from './payments/index.js';
import { applyDeliveryReport, createSmsSender, dispatchNotifications } from './messaging/index.js';
import { currentGateway } from './messaging/gateway-config.js';
import { currentEmailGateway } from './messaging/email.js';
import { createWebhookSender } from './integrations/webhook-sender.js';
import { webhookBacklog } from './integrations/webhooks.js';
import { listPublishedArticles, publishedArticle } from './support/index.js';
import { createHotspotSales } from './web/captive/hotspot-sales.js';
import { createPaidLookup } from './web/captive/paid-lookup.js';
import { createTokenDesk } from './web/staff/index.js';
import { createApiKicker, pruneRouterBuckets, RouterMonitor } from './network/index.js';
import { connectRouterOs } from './routeros/client.js';
import { buildHttpServer } from './web/server.js';

// Wiring only: config → key → database → domains → sockets and HTTP; drain on SIGTERM.

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lango: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const configured = readConfig();
  const logger = createLogger(configured.LANGO_LOG_LEVEL);

  const box = createSecretBox(loadOrCreateKey(configured.LANGO_KEY_FILE), { rememberOpened: 200_000 });
  // What an unclean stop left in the write-ahead log, measured before SQLite reads it back.
  const walBytes = isPostgresUrl(configured.LANGO_DB) ? 0 : walFileSize(configured.LANGO_DB);
  const connection = openDatabase(configured.LANGO_DB);
  // SQLite's files (WAL, checkpoints, the daily backup) are this node's business; on PostgreSQL
  // they are the server's (pg_dump, streaming replicas).
  const onSqlite = connection.dialect === 'sqlite';
  const localFolder = path.resolve(localFolderOf(configured.LANGO_DB));
  // Which run marker is this node's (settings/run-marker.ts): one per node on PostgreSQL.
  const markerNode = onSqlite ? undefined : nodeName(configured.LANGO_NODE);
  mkdirSync(localFolder, { recursive: true });
  // The time zone chosen on the settings page wins over the environment's.
  const config: Config = { ...configured, LANGO_TIMEZONE: operatorZone(connection.db, configured.LANGO_TIMEZONE) };
  logger.info({ db: describeDatabase(config.LANGO_DB), dialect: connection.dialect, zone: config.LANGO_TIMEZONE }, 'database ready (migrations applied)');
  // Before the scheduler, the SMS sender and housekeeping start: says whether the last stop was clean, and what it left.
  recoverAtStart({ connection, logger, walBytes, node: markerNode, now: Date.now(), interimSeconds: config.LANGO_INTERIM_INTERVAL, staleGraceSeconds: config.LANGO_STALE_GRACE });
  const checkpointer = onSqlite ? startCheckpointer(connection.sqlite, config.LANGO_DB, { onError: (message) => logger.warn({ message }, 'WAL checkpoint failed; will retry') }) : undefined;

  // The first admin's one-time password never goes into the log (journald keeps it for months):
  // a file only this user can read, beside the database, removed once the password is changed;
  // a person at a terminal also sees it on screen, outside the log stream.
  const passwordFile = path.join(localFolder, 'first-admin-password.txt');
  const adminPassword = await ensureFirstAdmin(connection.db);
  if (adminPassword) {
    try {
      writeFileSync(passwordFile, `${adminPassword}\n`, { mode: 0o600 });
      chmodSync(passwordFile, 0o600);
      logger.warn(t('staff.firstAdminCreated', { file: passwordFile }));
    } catch (err) {
      logger.error({ file: passwordFile, err: (err as Error).message }, 'could not write the first admin password; set one with: lango staff reset-password --username admin');
    }
    if (process.stdout.isTTY) process.stdout.write(`\n  admin password (change it at first sign-in): ${adminPassword}\n\n`);
  } else if (existsSync(passwordFile) && findStaff(connection.db, 'admin')?.mustChangePassword === false) {
    rmSync(passwordFile, { force: true });
    logger.info({ file: passwordFile }, 'removed the first admin password file: that password has been changed');
  }

  const dictionary = loadDictionary(defaultDictionaryPath());
  const attributes = resolveAttributes(dictionary);
  const metrics = createMetrics();
  // On PostgreSQL other nodes write sessions and usage too: no trusting this node's mirror of them.
  const sessionWriter = createSessionWriter(connection, { zone: config.LANGO_TIMEZONE, shared: !onSqlite });
  // The writer's daily roll-up is written at the end of each batch's own transaction.
  const commit = createGroupCommit(connection.sqlite, { onBatch: metrics.onGroupCommit, beforeCommit: () => sessionWriter.flushDailyUsage(), onRollback: () => sessionWriter.forget() });
  const radiusLogger = logger.child({ subsystem: 'radius' });
  // When each router last sent a packet, for the staff pages (memory only, one Map.set per packet).
  const nasActivity = new NasActivity();
  // Routers list every node and may talk to any one: "last packet" is the latest to any node.
  const lastPacketAt = () => (onSqlite ? nasActivity.view() : activityOfAllNodes(connection.db, nasActivity));
  const nasDirectory = new NasDirectory(connection.db, box, logger.child({ subsystem: 'nas' }), nasActivity);
  nasDirectory.load();
  nasDirectory.startRefreshing();

  // On PostgreSQL each read of the change table is a round trip: at most one per 50 ms.
  const subscribers = createSubscriberLookup(connection.db, { minPollMs: onSqlite ? 0 : 50 });
  // The decision trace: every Access-Request's answer and why, written in the accounting group
  // commit after the reply has left; dropped packets arrive through the RADIUS observer.
  const decisions = createDecisionRecorder({
    sqlite: connection.sqlite,
    commit,
    dictionary,
    attributes,
    customerOf: (username) => subscribers.byUsername(username)?.id,
    onDropped: (rows, err) => {
      metrics.onDecisionsDropped(rows);
      if (err) radiusLogger.error({ err, rows }, 'decisions could not be written to the trace');
    },
  });
  const coa = new CoaClient({ dictionary, bind: config.LANGO_BIND, logger: logger.child({ subsystem: 'coa' }), observer: metrics.coa });
  await coa.start();
  // Routers over the RouterOS API (issue 10): live monitoring, and logging a user off when a
  // Disconnect gets no answer. Own connections and timeouts, never on the RADIUS path.
  const routerApiTimeoutMs = getSetting(connection.db, 'routers.apiTimeoutSeconds') * 1000;
  // Several nodes may share a PostgreSQL database; a SQLite one has this daemon alone. Work
  // one node does for all (router API polls add traffic to shared buckets, the open-sessions
  // sampler writes one sample per router) waits for a lease there (src/settings/leases.ts).
  const duties = onSqlite ? undefined : new LeaseKeeper(connection.db, 'node-duties', thisNode(), { onError: (err) => logger.warn({ err }, 'could not renew the lease on router polling and sampling; another node takes over') });
  duties?.start();
  const onDuty = () => duties?.held ?? true;
  const routerMonitor = new RouterMonitor({
    db: connection.db,
    box,
    logger: logger.child({ subsystem: 'network' }),
    connect: connectRouterOs,
    pollMs: getSetting(connection.db, 'routers.pollSeconds') * 1000,
    timeoutMs: routerApiTimeoutMs,
    // Every node polls (its staff pages show live state); only the one on duty records buckets.
    write: (work, done) => (onDuty() ? commit.submit(work, (err) => done(err ?? null)) : done(null)),
  });
  const kickThroughApi = createApiKicker({ db: connection.db, box, connect: connectRouterOs, timeoutMs: routerApiTimeoutMs });
  const enforcement = new EnforcementWorker({
    db: connection.db,
    coa,
    routerById: (id) => nasDirectory.byId(id),
    coaPort: config.LANGO_COA_PORT,
    attributes,
    logger: logger.child({ subsystem: 'enforcement' }),
    apiFallback: kickThroughApi,
  });
  enforcement.start();

  const radius = new RadiusServer({
    bind: config.LANGO_BIND,
    authPort: config.LANGO_AUTH_PORT,
    acctPort: config.LANGO_ACCT_PORT,
    dictionary,
    clients: nasDirectory,
    observer: { ...metrics.radius, ignoredAccessRequest: (request) => decisions.ignored(request) },
    logger: radiusLogger,
    handlers: {
      access: createAccessHandler({
        subscribers,
        usage: (customerId, periodStart, staleBefore, openLimit) => sessionWriter.usageNow(customerId, periodStart, staleBefore, openLimit),
        openSession: createOpenSessionFinder(connection),
        decisions,
        activate: (customerId, activatedAt, expiresAt, lockMac) => activateCustomer(connection.db, customerId, activatedAt, expiresAt, lockMac),
        commit,
        box,
        attributes,
        interimSeconds: config.LANGO_INTERIM_INTERVAL,
        staleGraceSeconds: config.LANGO_STALE_GRACE,
        zone: config.LANGO_TIMEZONE,
        logger: radiusLogger,
        // Read when an overdue customer logs in (rare), so a changed setting applies at once.
        overdueAddressList: () => (getSetting(connection.db, 'billing.overdueAction') === 'redirect' ? getSetting(connection.db, 'billing.overdueAddressList') : null),
      }),
      accounting: createAccountingHandler({
        db: connection.db,
        sessions: sessionWriter,
        subscribers,
        commit,
        attributes,
        zone: config.LANGO_TIMEZONE,
        onEnforcement: () => enforcement.kick(),
        logger: radiusLogger,
      }),
    },
  });
  const { authPort, acctPort } = await radius.start();

  // Payments: provider HTTP calls run in the reconciler, never on the RADIUS path.
  const paymentsLogger = logger.child({ subsystem: 'payments' });
  const providers = new ProviderRegistry(connection.db, box);
  const reconciler = new ReconcileWorker({ db: connection.db, box, providers, zone: config.LANGO_TIMEZONE, logger: paymentsLogger,
    intervalMs: config.LANGO_PAYMENT_CHECK_INTERVAL * 1000,
    onResult: (result) => {
      if (result.settled + result.expired + result.reprocessed > 0) setImmediate(dispatch);
    },
  });

  // Messaging: notification events billing, AAA and payments wrote become SMS in the outbox;
  // the sender delivers them after commit, with retries.
  const messagingLogger = logger.child({ subsystem: 'messaging' });
  const gateway = currentGateway(connection.db, box, messagingLogger);
  const sms = createSmsSender({ db: connection.db, gateway, logger: messagingLogger, alone: onSqlite });
  // Email rides the same outbox and sender, on its own channel and SMTP "gateway".
  const email = createSmsSender({ db: connection.db, gateway: currentEmailGateway(connection.db, box), logger: messagingLogger.child({ channel: 'email' }), channel: 'email', alone: onSqlite });
  const dispatch = () => {
    try {
      const result = dispatchNotifications(connection.db, { now: Date.now(), zone: config.LANGO_TIMEZONE });
      if (result.queued > 0) sms.kick();
    } catch (err) {
      messagingLogger.error({ err }, 'turning notifications into messages failed; will retry');
    }
  };
  const dispatcher = setInterval(dispatch, 2_000);
  dispatcher.unref();
  // Webhooks: events the domains wrote in their transactions, POSTed after commit (polled, so
  // events the CLI recorded are picked up too).
  const webhooks = createWebhookSender({ db: connection.db, box, logger: logger.child({ subsystem: 'webhooks' }), pollMs: 2_000 });

  const http = buildHttpServer({
    logger: logger.child({ subsystem: 'http' }),
    trustProxy: config.LANGO_TRUST_PROXY,
    health: {
      databaseReachable: () => isDatabaseReachable(connection.sqlite),
      socketsListening: () => radius.listening,
      metrics: metrics.registry,
    },
    callbacks: {
      db: connection.db,
      box,
      providers,
      zone: config.LANGO_TIMEZONE,
      onCallback: (provider, answer) => {
        if (answer.confirm) reconciler.kick();
        if (answer.settlement) {
          paymentsLogger.info({ provider, settlement: answer.settlement.kind, attempt: answer.settlement.attempt.id }, 'payment callback');
          setImmediate(dispatch);
        }
      },
      extra: {
        // SMS delivery reports share the token-guarded callback path.
        sms: (body) => applyDeliveryReport(connection.db, gateway.currentName(), gateway.parseDeliveryReport!(body), Date.now()),
      },
    },
    // The captive portal at /hotspot: the page the router's login.html sends customers to.
    captive: {
      operator: () => ({ name: getSetting(connection.db, 'operator.name'), logo: getSetting(connection.db, 'operator.logo'), colour: getSetting(connection.db, 'operator.colour') }),
      // Vouchers log in with the code as both username and password (issue 6; the voucher flow may change this).
      voucherPassword: 'code',
      routerHosts: () => getSetting(connection.db, 'hotspot.routerHosts'),
      help: { articles: (language) => listPublishedArticles(connection.db, language), article: (slug, language) => publishedArticle(connection.db, slug, language) },
      // "Buy a package": prepaid plans a configured provider takes; paid, a voucher is sold to the phone.
      buy: createHotspotSales({
        db: connection.db,
        box,
        providers,
        zone: config.LANGO_TIMEZONE,
        onProviderError: (name, err) => paymentsLogger.warn({ provider: name, err: (err as Error).message }, 'a payment provider cannot be loaded; the captive portal sells without it'),
      }),
      // "I paid but I'm not online": a receipt code (looked up with the provider if need be) or the phone that paid.
      paid: createPaidLookup({
        db: connection.db,
        box,
        providers,
        zone: config.LANGO_TIMEZONE,
        onProviderError: (name, err) => paymentsLogger.warn({ provider: name, err: (err as Error).message }, 'a payment provider cannot be loaded; payment checks go without it'),
      }),
    },
    // Staff pages at /staff: sign-in, the admin screens, the agent's WiFi token page.
    staff: {
      db: connection.db,
      zone: config.LANGO_TIMEZONE,
      tokens: createTokenDesk({
        db: connection.db,
        box,
        providers,
        zone: config.LANGO_TIMEZONE,
        onProviderError: (name, err) => paymentsLogger.warn({ provider: name, err: (err as Error).message }, 'a payment provider cannot be loaded; agents sell for cash only'),
      }),
      // What the screens use beyond the database (src/web/staff/services.ts).
      services: {
        box,
        lastPacketAt,
        interimSeconds: config.LANGO_INTERIM_INTERVAL,
        staleGraceSeconds: config.LANGO_STALE_GRACE,
        kickReconcile: () => reconciler.kick(),
        storageReport: () => storageReportInChildProcess({ LANGO_DB: config.LANGO_DB, LANGO_KEY_FILE: config.LANGO_KEY_FILE }),
        routerMonitor,
        connectRouter: connectRouterOs,
        setupFacts: { authPort, acctPort, coaPort: config.LANGO_COA_PORT, interimSeconds: config.LANGO_INTERIM_INTERVAL },
        routerApiTimeoutMs,
      },
    },
    // The customers' self-service portal at /portal: sign-in by password or SMS code, their own account.
    portal: { db: connection.db, zone: config.LANGO_TIMEZONE, services: { payments: { providers, box, onProviderError: (name, err) => paymentsLogger.warn({ provider: name, err: (err as Error).message }, 'a payment provider cannot be loaded; the customer portal shows how to pay by hand') } } },
    // The REST API at /api/v1 for other systems: Bearer tokens made with `lango api-token create`.
    api: { db: connection.db, zone: config.LANGO_TIMEZONE, box },
  });
  await http.listen({ host: config.LANGO_BIND, port: config.LANGO_HTTP_PORT });
  const httpAddress = http.server.address();
  const httpPort = typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.LANGO_HTTP_PORT;
  logger.info({ authPort, acctPort, httpPort, bind: config.LANGO_BIND, routers: nasDirectory.size }, 'Lango is listening');
  routerMonitor.start();
  // Removed as the last step of a clean stop: found at the next start, it means this run did not stop cleanly.
  markRunning(connection.db, process.pid, Date.now(), markerNode);
  if (nasDirectory.size === 0) {
    logger.warn('no routers yet: add one with `lango nas add --name R1 --ip <router IP> --secret <shared secret>`');
  }

  // Housekeeping off the hot path: sessions the router forgot, and plans that ran out while
  // their sessions were open. Writes go through the group commit like every other write.
  let userDaysPrunedAt = 0;
  // Old router buckets go a chunk per tick until none are left (a first prune may find months).
  let routerBucketsLeft = false;
  // The decision trace's retention (trace.keepDays, trace.keepRows): a chunk of the oldest rows
  // per group commit, yielding to routers between chunks, until none is due.
  let pruningTrace = false;
  let traceStopped = false;
  const pruneTrace = () => {
    if (pruningTrace) return;
    pruningTrace = true;
    const next = () => {
      let step = { deleted: 0, more: false };
      commit.submit(
        () => (step = pruneDecisions(connection.db, { now: Date.now(), keepDays: getSetting(connection.db, 'trace.keepDays'), keepRows: getSetting(connection.db, 'trace.keepRows') })),
        (err) => {
          if (err) logger.error({ err }, 'deleting old decisions from the trace failed; will retry');
          if (err || !step.more || traceStopped) pruningTrace = false;
          else setTimeout(next, radius.busyWithin(100) ? 10 : 0);
        },
      );
    };
    next();
  };
  const runHousekeeping = () => {
    commit.submit(
      () => {
        const now = Date.now();
        // Who was online which day is kept for the charts and a year's comparison; once a day is enough.
        if (now - userDaysPrunedAt >= 86_400_000) {
          pruneUserDays(connection.db, { now, zone: config.LANGO_TIMEZONE });
          // Idempotency keys of forms: a queued form comes back within days, not a month.
          pruneRequestKeys(connection.db, now);
          // Receipt lookups hold the asking device's MAC: a week of evidence, then gone.
          pruneReceiptLookups(connection.db, now);
          routerBucketsLeft = true;
          userDaysPrunedAt = now;
        }
        if (routerBucketsLeft) {
          routerBucketsLeft = pruneRouterBuckets(connection.db, { now, keepDays: getSetting(connection.db, 'routers.bucketsKeepDays'), userKeepDays: getSetting(connection.db, 'routers.userBucketsKeepDays') }).more;
        }
        const stale = sessionWriter.closeStale(now, config.LANGO_INTERIM_INTERVAL, config.LANGO_STALE_GRACE);
        const expired = enqueueExpired(connection.db, now);
        recordExpiryWarnings(connection.db, now);
        // Change records every node's subscriber cache has had time to apply are not needed any more.
        pruneSubscriberChanges(connection.db, subscribers.prunableUpTo());
        if (!onSqlite) shareActivity(connection.db, thisNode(), nasActivity, now);
        if (stale > 0) logger.info({ closed: stale }, 'closed stale sessions (no accounting for three interim intervals and the grace period)');
        if (expired > 0) logger.info({ sessions: expired }, 'queued Disconnect for sessions whose plan has expired');
      },
      (err) => {
        if (err) logger.error({ err }, 'housekeeping failed; will retry');
        else enforcement.kick();
        pruneTrace();
      },
    );
  };
  // Once at start too: after a restart, sessions the routers forgot are closed at once.
  setImmediate(runHousekeeping);
  const housekeeping = setInterval(runHousekeeping, 30_000);
  housekeeping.unref();

  // Scrape-time figures for /metrics: read when Prometheus asks, never on the RADIUS path.
  const operationsMetrics = addOperationsMetrics(metrics.registry, {
    paymentsByStatus: () => countAttemptsByStatus(connection.db),
    paymentsAwaitingReview: () => countAwaitingReview(connection.db),
    paymentCallbacks: () => countCallbacks(connection.db),
    outbox: () => outboxBacklog(connection.db),
    databaseBytes: () => (onSqlite && config.LANGO_DB !== ':memory:' ? { file: statSync(config.LANGO_DB).size, wal: walFileSize(config.LANGO_DB) } : { file: 0, wal: 0 }),
    openSessions: () => countOpenSessions(connection.db),
    webhooks: () => webhookBacklog(connection.db),
    routersSilent: () => {
      const now = Date.now();
      let silent = 0;
      for (const at of lastPacketAt().values()) if (routerState(at, now) === 'down') silent += 1;
      return silent;
    },
    now: () => Date.now(),
  });

  // Health alerts to admins by SMS (a problem's start and its end, not every minute).
  const alertsLogger = logger.child({ subsystem: 'alerts' });
  const checkAlerts = () => {
    try {
      const run = runAlerts(connection.db, {
        now: Date.now(),
        lastPacketAt: lastPacketAt(),
        routerName: (id) => nasDirectory.byId(id)?.name ?? `#${id}`,
        diskSpace: () => statfsSync(localFolder),
        lastBackup,
        lastPaymentStatuses: (count) => lastFinishedStatuses(connection.db, count),
      });
      if (run.started.length + run.resolved.length > 0) {
        alertsLogger.warn(run, 'health alerts changed; SMS queued to staff');
        sms.kick();
        email.kick();
      }
    } catch (err) {
      alertsLogger.error({ err }, 'checking health alerts failed; will retry');
    }
  };
  const alertChecks = setInterval(checkAlerts, getSetting(connection.db, 'alerts.checkSeconds') * 1000);
  alertChecks.unref();

  // The usage reports' roll-ups (src/reports/rollups.ts), never on the accounting path: open
  // sessions per router every few minutes, and each hour the closed days folded into months and
  // plans, one short step per group commit (RADIUS waits a few milliseconds at most).
  const reportsLogger = logger.child({ subsystem: 'reports' });
  let samplesPrunedAt = 0;
  const sampleLoad = () =>
    onDuty() &&
    commit.submit(
      () => {
        const now = Date.now();
        sampleNasLoad(connection.db, now);
        if (now - samplesPrunedAt >= 86_400_000) {
          pruneNasLoadSamples(connection.db, { now, keepDays: getSetting(connection.db, 'reports.samplesKeepDays') });
          samplesPrunedAt = now;
        }
      },
      (err) => err && reportsLogger.error({ err }, 'counting open sessions per router failed; will retry'),
    );
  const loadSampler = setInterval(sampleLoad, getSetting(connection.db, 'reports.sampleMinutes') * 60_000);
  loadSampler.unref();
  let folding = false;
  let foldStopped = false;
  const foldUsage = () => {
    if (folding) return;
    folding = true;
    const next = () => {
      if (foldStopped) return;
      let step: FoldStep = { rows: 0, done: true };
      commit.submit(
        () => (step = foldStep(connection.db, { now: Date.now(), zone: config.LANGO_TIMEZONE })),
        (err) => {
          if (err) reportsLogger.error({ err }, 'adding up closed days for the usage reports failed; will retry within the hour');
          if (err || step.done || foldStopped) folding = false;
          // Routers talking: leave them the event loop between steps.
          else setTimeout(next, radius.busyWithin(100) ? 10 : 0);
        },
      );
    };
    next();
  };
  setImmediate(foldUsage);
  const usageFold = setInterval(foldUsage, 3_600_000);
  usageFold.unref();

  // Billing: renewals, invoices, reminders and suspensions in short transactions between
  // RADIUS packets. Renewed customers online get their new speed by CoA; suspended ones are
  // disconnected by the next housekeeping pass.
  const billingLogger = logger.child({ subsystem: 'billing' });
  const scheduler = new Scheduler({
    db: connection.db,
    logger: billingLogger,
    // An in-memory database (tests) has no file to back up.
    plan: (now) => [billingJobFor(connection.db, now, config.LANGO_TIMEZONE), ...(config.LANGO_DB === ':memory:' || !onSqlite ? [] : [backupJobFor(connection.db, now, config.LANGO_TIMEZONE)])],
    runners: {
      [BILLING_RUN]: async (now, signal) => {
        const result = await runBilling(connection.db, {
          now,
          zone: config.LANGO_TIMEZONE,
          signal,
          // While routers are talking, billing takes at most half the time: RADIUS never waits
          // longer than one transaction, and keeps about half its throughput during a run.
          pause: (lastMs) => new Promise((resolve) => (radius.busyWithin(100) ? setTimeout(resolve, Math.ceil(lastMs)) : setImmediate(resolve))),
        });
        if (result.speedChanges.length > 0) {
          connection.db.transaction((tx) => {
            for (const change of result.speedChanges) enqueueForCustomer(tx as Db, change.customerId, 'coa', 'renewed', change.rateLimit, now);
          }, { behavior: 'immediate' });
        }
        for (const failure of result.failed) billingLogger.error(failure, 'a subscription could not be billed; it is skipped until fixed');
        runHousekeeping();
        operationsMetrics.onBillingRun({ invoiced: result.invoiced, failed: result.failed.length }, Date.now());
        const { speedChanges, failed, ...counts } = result;
        return { ...counts, speedChanges: speedChanges.length, failed: failed.length };
      },
      // The daily backup, in a child process: its copy, check and fsyncs never stall RADIUS. Outcome in backup.last.
      [BACKUP_RUN]: () => backupInChildProcess({ LANGO_DB: config.LANGO_DB, LANGO_KEY_FILE: config.LANGO_KEY_FILE }),
    },
  });
  scheduler.start();
  // Also settles, at start, callbacks a crash left stored but not acted on.
  reconciler.start();
  sms.start();
  email.start();
  webhooks.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new requests; committing and answering what was accepted');
    radius.drain();
    // Closes the API sessions at once; polls still running record nothing more.
    const monitorStopped = routerMonitor.stop();
    // Commits what is queued and sends those Accounting-Responses; nothing acknowledged is lost.
    // The decisions still waiting for a batch join this last one.
    decisions.flush();
    commit.flush();
    // Let libuv hand the last replies to the kernel before the sockets close.
    await new Promise((resolve) => setTimeout(resolve, 50));
    clearInterval(housekeeping);
    clearInterval(alertChecks);
    clearInterval(loadSampler);
    clearInterval(usageFold);
    foldStopped = true;
    traceStopped = true;
    await scheduler.stop();
    await reconciler.stop();
    clearInterval(dispatcher);
    await sms.stop();
    await email.stop();
    await webhooks.stop();
    enforcement.stop();
    await http.close();
    await radius.close();
    await coa.close();
    nasDirectory.stopRefreshing();
    await monitorStopped;
    await checkpointer?.stop();
    duties?.stop();
    markStopped(connection.db, markerNode);
    connection.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`lango: cannot start: ${(err as Error).message}\n`);
  process.exit(1);
});
