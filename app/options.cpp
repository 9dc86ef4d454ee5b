#include "options.h"

#include "defaultlimits.h"
#include "delivery/targetpolicy.h"
#include "delivery/webhooksignature.h"

#include <QCommandLineParser>
#include <QDir>
#include <QStandardPaths>

#include <cstdio>

namespace {

void fail(const QString& message)
{
    std::fprintf(stderr, "queuelab: %s\nTry 'queuelab --help'.\n", qPrintable(message));
}

std::optional<qint64> number(const QCommandLineParser& parser, const QString& name, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 value = parser.value(name).toLongLong(&ok);
    if (!ok || value < min || value > max) {
        fail(QStringLiteral("--%1 must be a whole number from %2 to %3, not \"%4\"")
                 .arg(name)
                 .arg(min)
                 .arg(max)
                 .arg(parser.value(name)));
        return std::nullopt;
    }
    return value;
}

QCommandLineOption valueOption(
    const char* name, const char* description, const char* valueName, const QString& defaultValue = {})
{
    return QCommandLineOption(
        QString::fromLatin1(name), QString::fromLatin1(description), QString::fromLatin1(valueName), defaultValue);
}

} // namespace

QString defaultDatabasePath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return QDir(dir).filePath(QStringLiteral("queuelab.db"));
}

std::optional<Options> parseOptions(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("QueueLab: a workbench for job queues. An HTTP API takes JSON jobs, a worker pool runs them,\n"
                       "and a dashboard shows what happens. Without --headless it opens the dashboard window."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        { QStringLiteral("headless"), QStringLiteral("No window: serve the API until SIGINT or SIGTERM.") },
        valueOption("bind", "Listen address (default 127.0.0.1).", "addr", QStringLiteral("127.0.0.1")),
        valueOption("port", "Listen port; 0 picks a free one (default 8080).", "n", QStringLiteral("8080")),
        valueOption("workers", "Worker pool size (default: the number of CPU threads).", "n"),
        valueOption("db", "SQLite file holding the jobs (default: queuelab.db in the app data directory).", "path"),
        { QStringLiteral("in-memory"), QStringLiteral("Keep jobs in memory only; nothing survives exit.") },
        valueOption("sync", "normal: a 202 survives a process crash; full: also a power loss.", "normal|full",
            QStringLiteral("normal")),
        valueOption("keep-finished", "Finished jobs kept before the oldest are pruned (default 100000).", "n",
            QString::number(Limits::keepFinished)),
        valueOption("max-queued", "Queue capacity; beyond it POST /jobs answers 503 (default 1000000).", "n",
            QString::number(Limits::maxQueued)),
        valueOption("drain-timeout", "Seconds running jobs get to finish on a graceful stop (default 30).", "s",
            QString::number(Limits::drainTimeoutSecs)),
        { QStringLiteral("allow-exec"), QStringLiteral("Enable the exec job type (runs programs, no shell).") },
        valueOption("job-type",
            "Accept jobs of this type for your own workers (repeatable; remembered in the database).", "name"),
        valueOption("worker-gone", "Seconds without a sign of life after which a worker is gone (default 60).", "s",
            QString::number(Limits::workerGoneMs / 1000)),
        valueOption("clock",
            "real, or virtual: the engine's clock stands still until advanced (POST /clock, or the window), "
            "for delays, retries, timeouts and leases in seconds (default real).",
            "real|virtual", QStringLiteral("real")),
        valueOption("allow-http-target",
            "Let http jobs and callbacks reach this HOST or HOST:PORT beside loopback ones (repeatable).",
            "host[:port]"),
        valueOption(
            "webhook-secret", "Sign deliveries the Standard Webhooks way with this secret (whsec_<base64>).", "secret"),
        valueOption("token", "Require 'Authorization: Bearer T' on every request.", "T"),
        valueOption("faktory-port",
            "Also speak Faktory's work protocol on this port (0 picks a free one); off by default.", "n"),
        valueOption("faktory-password", "Require this password in the Faktory handshake.", "P"),
        valueOption("allow-origin", "Let browser pages from this origin call the API (repeatable).", "origin"),
        valueOption("max-body", "Largest request body in bytes (default 1048576).", "bytes",
            QString::number(Limits::maxBodyBytes)),
        valueOption("max-connections", "Connections served at once (default 1024).", "n",
            QString::number(Limits::maxConnections)),
        valueOption("header-timeout", "Seconds a client may take to send a whole request (default 10).", "s",
            QString::number(Limits::headerTimeoutSecs)),
        valueOption("idle-timeout", "Seconds an idle keep-alive connection stays open (default 60).", "s",
            QString::number(Limits::idleTimeoutSecs)),
    });
    if (!parser.parse(arguments)) {
        fail(parser.errorText());
        return std::nullopt;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty()) {
        fail(QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().constFirst()));
        return std::nullopt;
    }

    Options options;
    options.headless = parser.isSet(QStringLiteral("headless"));
    if (!options.server.address.setAddress(parser.value(QStringLiteral("bind")))) {
        fail(QStringLiteral("--bind needs an IP address, not \"%1\"").arg(parser.value(QStringLiteral("bind"))));
        return std::nullopt;
    }
    const auto port = number(parser, QStringLiteral("port"), 0, 65535);
    const auto maxQueued = number(parser, QStringLiteral("max-queued"), 1, 1000000000);
    const auto keep = number(parser, QStringLiteral("keep-finished"), 0, 1000000000);
    const auto drain = number(parser, QStringLiteral("drain-timeout"), 0, 24 * 3600);
    const auto maxBody = number(parser, QStringLiteral("max-body"), 1024, 1024LL * 1024 * 1024);
    const auto maxConnections = number(parser, QStringLiteral("max-connections"), 1, 100000);
    const auto headerTimeout = number(parser, QStringLiteral("header-timeout"), 1, 3600);
    const auto idleTimeout = number(parser, QStringLiteral("idle-timeout"), 1, 24 * 3600);
    const auto workerGone = number(parser, QStringLiteral("worker-gone"), 1, 24 * 3600);
    if (!port || !maxQueued || !keep || !drain || !maxBody || !maxConnections || !headerTimeout || !idleTimeout
        || !workerGone)
        return std::nullopt;
    options.engine.workerGoneMs = *workerGone * 1000;
    const QString clock = parser.value(QStringLiteral("clock"));
    if (clock != QLatin1StringView("real") && clock != QLatin1StringView("virtual")) {
        fail(QStringLiteral("--clock needs real or virtual, not \"%1\"").arg(clock));
        return std::nullopt;
    }
    options.engine.virtualClock = clock == QLatin1StringView("virtual");
    for (const QString& type : parser.values(QStringLiteral("job-type"))) {
        if (type.isEmpty() || type.size() > Limits::maxTypeLength) {
            fail(QStringLiteral("--job-type needs a name of 1 to %1 characters").arg(Limits::maxTypeLength));
            return std::nullopt;
        }
        options.engine.declaredJobTypes.append(type);
    }
    options.server.port = quint16(*port);
    options.server.maxBodyBytes = *maxBody;
    options.server.maxConnections = int(*maxConnections);
    options.server.headerTimeoutSecs = int(*headerTimeout);
    options.server.idleTimeoutSecs = int(*idleTimeout);
    options.server.token = parser.value(QStringLiteral("token")).toUtf8();
    if (parser.isSet(QStringLiteral("faktory-port"))) {
        const auto faktoryPort = number(parser, QStringLiteral("faktory-port"), 0, 65535);
        if (!faktoryPort)
            return std::nullopt;
        options.server.faktoryPort = int(*faktoryPort);
    }
    options.server.faktoryPassword = parser.value(QStringLiteral("faktory-password")).toUtf8();
    options.server.allowedOrigins = parser.values(QStringLiteral("allow-origin"));
    options.engine.maxQueued = *maxQueued;
    options.engine.drainTimeoutSecs = int(*drain);
    options.engine.handlers.allowExec = parser.isSet(QStringLiteral("allow-exec"));
    options.engine.handlers.allowedHttpTargets = parser.values(QStringLiteral("allow-http-target"));
    if (const QString problem = TargetPolicy::checkAllowList(options.engine.handlers.allowedHttpTargets);
        !problem.isEmpty()) {
        fail(problem);
        return std::nullopt;
    }
    if (parser.isSet(QStringLiteral("webhook-secret"))) {
        options.engine.handlers.webhookSecret = parser.value(QStringLiteral("webhook-secret"));
        if (const QString problem = WebhookSignature::checkSecret(options.engine.handlers.webhookSecret);
            !problem.isEmpty()) {
            fail(QStringLiteral("--webhook-secret: %1").arg(problem));
            return std::nullopt;
        }
    }
    options.keepFinished = int(*keep);
    if (parser.isSet(QStringLiteral("workers"))) {
        const auto workers = number(parser, QStringLiteral("workers"), 1, Limits::maxWorkers);
        if (!workers)
            return std::nullopt;
        options.engine.workers = int(*workers);
    }

    const QString sync = parser.value(QStringLiteral("sync"));
    if (sync != QLatin1StringView("normal") && sync != QLatin1StringView("full")) {
        fail(QStringLiteral("--sync must be normal or full, not \"%1\"").arg(sync));
        return std::nullopt;
    }
    options.syncFull = sync == QLatin1StringView("full");
    options.inMemory = parser.isSet(QStringLiteral("in-memory"));
    options.dbPath = parser.value(QStringLiteral("db"));
    if (options.inMemory && !options.dbPath.isEmpty()) {
        fail(QStringLiteral("--in-memory and --db exclude each other"));
        return std::nullopt;
    }

    // A job queue that runs what it is sent must not be reachable from the network by accident.
    if (!options.server.address.isLoopback() && options.server.token.isEmpty()) {
        fail(QStringLiteral("refusing to listen on %1 without --token: anyone on the network could submit "
                            "jobs. Pass --token T, or bind 127.0.0.1.")
                 .arg(options.server.address.toString()));
        return std::nullopt;
    }
    if (options.server.faktoryPort >= 0 && !options.server.address.isLoopback()
        && options.server.faktoryPassword.isEmpty()) {
        fail(QStringLiteral("refusing to serve Faktory clients on %1 without --faktory-password: anyone on the "
                            "network could push and fetch jobs. Pass --faktory-password P, or bind 127.0.0.1.")
                 .arg(options.server.address.toString()));
        return std::nullopt;
    }
    return options;
}
