#include "faktoryconnection.h"

#include "api/postedcalls.h"
#include "defaultlimits.h"
#include "engine.h"
#include "faktoryjob.h"
#include "faktoryservice.h"
#include "respanswer.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace {

// A PUSHB's jobs go to the engine this many at a time (see pushBatch()).
constexpr qsizetype pushChunkJobs = 100;

inline constexpr qint64 fetchWaitMs = 2000; // the protocol's FETCH blocks up to 2 s

QByteArray engineError(const EngineError& error)
{
    return Resp::error((error.code + QStringLiteral(": ") + error.message).toUtf8());
}

QByteArray json(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString jidOf(const QJsonObject& object)
{
    return object.value(QLatin1StringView("jid")).toString();
}

} // namespace

FaktoryConnection::FaktoryConnection(QTcpSocket* socket, FaktoryService* service)
    : QObject(service)
    , m_socket(socket)
    , m_service(service)
    , m_engine(service->engine())
{
    m_socket->setParent(this);
    // While a command waits for its answer, what the client sends meanwhile stays in the
    // kernel past this much, instead of growing without bound here.
    m_socket->setReadBufferSize(Limits::readAheadBytes);
    connect(m_socket, &QTcpSocket::readyRead, this, &FaktoryConnection::readCommands);
    connect(m_socket, &QTcpSocket::disconnected, this, &FaktoryConnection::disconnected);

    QJsonObject hi { { QStringLiteral("v"), 2 } };
    if (!service->config().password.isEmpty()) {
        m_challenge = FaktoryChallenge::generate();
        hi.insert(QStringLiteral("s"), QString::fromLatin1(m_challenge.salt));
        hi.insert(QStringLiteral("i"), m_challenge.iterations);
    }
    send(Resp::simple(QByteArray("HI " + json(hi))));
}

FaktoryConnection::~FaktoryConnection()
{
    if (m_leaseWait)
        m_engine->cancelLease(m_leaseWait);
}

void FaktoryConnection::close()
{
    if (m_closing)
        return;
    m_closing = true;
    if (m_leaseWait) {
        m_service->engine()->cancelLease(m_leaseWait);
        m_leaseWait = 0;
    }
    m_socket->disconnectFromHost();
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        disconnected();
}

void FaktoryConnection::disconnected()
{
    m_closing = true;
    // A pending answer's callback checks its QPointer to this: going now is safe.
    Q_EMIT finished(this);
    deleteLater();
}

void FaktoryConnection::send(const QByteArray& answer)
{
    if (!m_closing)
        m_socket->write(answer);
}

void FaktoryConnection::refuse(const QString& message)
{
    send(Resp::error(message.toUtf8()));
    close();
}

void FaktoryConnection::answerLater()
{
    m_waiting = true;
}

void FaktoryConnection::answered(const QByteArray& answer)
{
    m_waiting = false;
    send(answer);
    readCommands(); // the lines that came meanwhile
}

void FaktoryConnection::readCommands()
{
    const qint64 maxLine
        = m_service->config().maxLineBytes > 0 ? m_service->config().maxLineBytes : Limits::maxBodyBytes;
    while (!m_waiting && !m_closing) {
        qsizetype end = m_buffer.indexOf('\n');
        if (end < 0) {
            m_buffer += m_socket->read(maxLine + 2 - m_buffer.size());
            end = m_buffer.indexOf('\n');
        }
        if (end < 0) {
            if (m_buffer.size() > maxLine + 1)
                refuse(QStringLiteral("a command line is longer than %1 bytes").arg(maxLine));
            return;
        }
        if (end > maxLine + 1)
            return refuse(QStringLiteral("a command line is longer than %1 bytes").arg(maxLine));
        const qsizetype length = end > 0 && m_buffer[end - 1] == '\r' ? end - 1 : end;
        auto parsed = parseFaktoryCommand(QByteArrayView(m_buffer).first(length));
        m_buffer.remove(0, end + 1);
        if (auto* error = std::get_if<FaktorySyntaxError>(&parsed))
            return refuse(error->message);
        m_service->countCommand();
        dispatch(std::get<FaktoryCommand>(parsed));
    }
}

bool FaktoryConnection::noArgument(const FaktoryCommand& command)
{
    if (command.hasArgument)
        refuse(QStringLiteral("%1 takes no argument").arg(QString::fromLatin1(command.verb)));
    return !command.hasArgument;
}

void FaktoryConnection::dispatch(const FaktoryCommand& command)
{
    const QByteArray& verb = command.verb;
    if (verb == "END")
        return close(); // the protocol: no answer, the server closes at once
    if (!m_identified) {
        if (verb == "HELLO")
            return hello(command);
        return refuse(QStringLiteral("HELLO first: the protocol starts with HELLO {\"v\":2}"));
    }
    if (verb == "PUSH")
        return push(command);
    if (verb == "PUSHB")
        return pushBatch(command);
    if (verb == "FETCH")
        return fetch(command);
    if (verb == "ACK")
        return ack(command);
    if (verb == "FAIL")
        return fail(command);
    if (verb == "BEAT")
        return beat(command);
    if (verb == "INFO")
        return info(command);
    if (verb == "FLUSH") {
        if (noArgument(command))
            send(Resp::error("FLUSH is not supported: QueueLab keeps every job and its history; cancel jobs in "
                             "the dashboard or with the HTTP API"));
        return;
    }
    if (verb == "HELLO")
        return refuse(QStringLiteral("HELLO was already sent on this connection"));
    if (verb == "BATCH" || verb == "TRACK" || verb == "PUSHS")
        return send(
            Resp::error(QByteArray(verb + " is a Faktory Enterprise command, which QueueLab does not provide")));
    send(Resp::error(QByteArray(verb + " is not a command QueueLab's Faktory-compatible protocol knows")));
}

void FaktoryConnection::hello(const FaktoryCommand& command)
{
    auto parsed = parseJsonObject(command.argument, "HELLO's argument");
    if (auto* error = std::get_if<FaktorySyntaxError>(&parsed))
        return refuse(error->message);
    const QJsonObject hello = std::get<QJsonObject>(parsed);
    if (hello.value(QLatin1StringView("v")).toInt() != 2)
        return refuse(QStringLiteral("HELLO must say \"v\":2, the protocol version QueueLab speaks"));
    const QByteArray& password = m_service->config().password;
    if (!password.isEmpty()
        && !m_challenge.accepts(password, hello.value(QLatin1StringView("pwdhash")).toString().toLatin1()))
        return refuse(QStringLiteral("invalid password"));

    const QJsonValue wid = hello.value(QLatin1StringView("wid"));
    if (!wid.isUndefined() && !wid.isNull()) {
        WorkerRegistration registration;
        registration.id = wid.toString();
        registration.protocol = QStringLiteral("faktory");
        registration.hostname = hello.value(QLatin1StringView("hostname")).toString();
        registration.pid = qint64(hello.value(QLatin1StringView("pid")).toDouble());
        const QJsonValue labels = hello.value(QLatin1StringView("labels"));
        if (!labels.isUndefined() && !labels.isNull() && !labels.isArray())
            return refuse(QStringLiteral("labels must be an array of strings"));
        for (const QJsonValue& label : labels.toArray()) {
            if (!label.isString())
                return refuse(QStringLiteral("labels must be an array of strings"));
            registration.labels.append(label.toString());
        }
        if (!wid.isString())
            return refuse(QStringLiteral("wid must be a string"));
        const auto registered = m_service->engine()->registerWorker(registration);
        if (const auto* error = std::get_if<EngineError>(&registered))
            return refuse(error->code + QStringLiteral(": ")
                + (error->field.isEmpty() ? QString() : error->field + u' ') + error->message);
        m_registration = registration;
    }
    m_identified = true;
    send(Resp::ok());
}

void FaktoryConnection::push(const FaktoryCommand& command)
{
    auto parsed = parseJsonObject(command.argument, "PUSH's job");
    if (auto* error = std::get_if<FaktorySyntaxError>(&parsed))
        return refuse(error->message);
    auto pushed = FaktoryJob::fromPush(std::get<QJsonObject>(parsed), QDateTime::currentMSecsSinceEpoch());
    if (auto* rejected = std::get_if<FaktoryJob::Rejected>(&pushed))
        return send(Resp::error(rejected->message.toUtf8()));
    const JobSpec& spec = std::get<FaktoryJob::Pushed>(pushed).spec;
    const QString problem = m_service->acceptType(spec.type);
    if (!problem.isEmpty())
        return send(Resp::error(problem.toUtf8()));

    // Answered once the job survives a crash, as the HTTP API's 202 is.
    QPointer<FaktoryConnection> self(this);
    const std::weak_ptr<PostedCalls> posted = m_service->posted();
    const auto onDurable = [self, posted](const QString& error) {
        if (const auto calls = posted.lock()) {
            calls->post([self, error] {
                if (self)
                    self->answered(
                        error.isEmpty() ? Resp::ok() : Resp::error(QString(u"storage_failed: "_s + error).toUtf8()));
            });
        }
    };
    answerLater();
    const auto submitted = m_service->engine()->submit({ spec }, onDurable);
    if (const auto* error = std::get_if<EngineError>(&submitted))
        answered(engineError(*error));
}

void FaktoryConnection::pushBatch(const FaktoryCommand& command)
{
    auto parsed = parseJsonArray(command.argument, "PUSHB's jobs");
    if (auto* error = std::get_if<FaktorySyntaxError>(&parsed))
        return refuse(error->message);
    const QJsonArray jobs = std::get<QJsonArray>(parsed);
    if (jobs.size() > Limits::maxBatchJobs)
        return send(Resp::error(QStringLiteral("PUSHB takes at most %1 jobs").arg(Limits::maxBatchJobs).toUtf8()));

    // The answer maps each refused jid to why. The rest go to the engine in chunks as they are
    // read, so that the store commits the first while the listener reads the others: PUSHB is
    // not all-or-nothing (Faktory pushes each job on its own), and the answer waits for all.
    struct Push
    {
        QPointer<FaktoryConnection> connection;
        QJsonObject rejected;
        int chunksInFlight = 0;
        bool allSubmitted = false;
    };
    auto push = std::make_shared<Push>();
    push->connection = this;
    const auto answerIfDone = [](const std::shared_ptr<Push>& p) {
        if (p->allSubmitted && p->chunksInFlight == 0 && p->connection)
            p->connection->answered(Resp::bulk(json(p->rejected)));
    };
    const std::weak_ptr<PostedCalls> posted = m_service->posted();
    QList<JobSpec> specs;
    QStringList jids;
    const auto submitChunk = [&] {
        if (specs.isEmpty())
            return;
        ++push->chunksInFlight;
        const auto onDurable = [push, posted, jids, answerIfDone](const QString& error) {
            if (const auto calls = posted.lock()) {
                calls->post([push, error, jids, answerIfDone] {
                    for (const QString& jid : jids) {
                        if (!error.isEmpty())
                            push->rejected.insert(jid, QString(QStringLiteral("storage_failed: ") + error));
                    }
                    --push->chunksInFlight;
                    answerIfDone(push);
                });
            }
        };
        const auto submitted = m_service->engine()->submit(specs, onDurable, true);
        if (const auto* error = std::get_if<EngineError>(&submitted)) {
            --push->chunksInFlight;
            for (const QString& jid : std::as_const(jids))
                push->rejected.insert(jid, QString(error->code + QStringLiteral(": ") + error->message));
        }
        specs.clear();
        jids.clear();
    };

    answerLater();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const QJsonValue& value : jobs) {
        auto pushed = FaktoryJob::fromPush(value.toObject(), now);
        if (auto* refused = std::get_if<FaktoryJob::Rejected>(&pushed)) {
            push->rejected.insert(
                refused->jid, value.isObject() ? refused->message : QStringLiteral("a job must be an object"));
            continue;
        }
        auto& job = std::get<FaktoryJob::Pushed>(pushed);
        const QString problem = m_service->acceptType(job.spec.type);
        if (!problem.isEmpty()) {
            push->rejected.insert(job.jid, problem);
            continue;
        }
        jids.append(job.jid);
        specs.append(std::move(job.spec));
        if (specs.size() == pushChunkJobs)
            submitChunk();
    }
    submitChunk();
    push->allSubmitted = true;
    answerIfDone(push);
}

void FaktoryConnection::fetch(const FaktoryCommand& command)
{
    if (m_registration.id.isEmpty())
        return send(Resp::error("FETCH is for workers: send wid, hostname, pid and labels in HELLO"));
    auto queues = parseQueueNames(command);
    if (auto* error = std::get_if<FaktorySyntaxError>(&queues))
        return refuse(error->message);

    LeaseRequest request;
    request.workerId = m_registration.id;
    request.queues = std::get<QStringList>(queues);
    request.waitMs = fetchWaitMs;
    QPointer<FaktoryConnection> self(this);
    FaktoryService* service = m_service;
    answerLater();
    // The service is the context: a lease granted after this client went must still be answered.
    m_leaseWait
        = service->engine()->lease(request, service, [self, service](const EngineResult<QList<LeaseGrant>>& result) {
              if (self)
                  self->m_leaseWait = 0;
              if (const auto* error = std::get_if<EngineError>(&result)) {
                  if (self)
                      self->answered(engineError(*error));
                  return;
              }
              const QList<LeaseGrant>& grants = std::get<QList<LeaseGrant>>(result);
              if (grants.isEmpty()) {
                  if (self)
                      self->answered(Resp::nullBulk());
                  return;
              }
              const LeaseGrant& grant = grants.constFirst();
              if (!self) { // nobody to run it: back to its queue now, not at the lease's expiry
                  service->engine()->returnLeases(grants);
                  return;
              }
              // The job's reserve_for (its timeout_ms) is the lease's life.
              if (grant.job.timeoutMs > 0) {
                  service->engine()->extendLease(grant.job.id, grant.lease.token,
                      std::clamp(grant.job.timeoutMs, Limits::minReserveForMs, Limits::maxReserveForMs));
              }
              const QString jid = FaktoryJob::jid(grant.job);
              service->leases().put(jid, { grant.job.id, grant.lease.token, grant.lease.workerId, grant.job.attempts });
              self->answered(Resp::bulk(FaktoryJob::fetchedJson(grant.job)));
          });
}

std::optional<FaktoryLeases::Held> FaktoryConnection::heldLease(const QString& jid)
{
    // The protocol names only the jid: another worker's late answer for a job that has moved on
    // to this one must not end this one's attempt.
    const auto held = m_service->leases().take(jid);
    if (held && !m_registration.id.isEmpty() && held->workerId != m_registration.id) {
        m_service->leases().put(jid, *held);
        send(Resp::error(QStringLiteral("lease_lost: job \"%1\" is leased to another worker").arg(jid).toUtf8()));
        return std::nullopt;
    }
    if (!held)
        send(Resp::error(QStringLiteral("unknown_jid: no job with jid \"%1\" is leased: it was never fetched, "
                                        "was answered already, or its reservation expired")
                             .arg(jid)
                             .toUtf8()));
    return held;
}

void FaktoryConnection::ack(const FaktoryCommand& command)
{
    auto parsed = parseJsonObject(command.argument, "ACK's argument");
    if (auto* error = std::get_if<FaktorySyntaxError>(&parsed))
        return refuse(error->message);
    const QString jid = jidOf(std::get<QJsonObject>(parsed));
    const auto held = heldLease(jid);
    if (!held)
        return;
    QPointer<FaktoryConnection> self(this);
    answerLater();
    m_service->engine()->completeLease(
        held->jobId, held->token, QJsonValue(QJsonValue::Null), m_service, [self](const EngineResult<Job>& result) {
            if (self)
                self->answered(
                    std::holds_alternative<Job>(result) ? Resp::ok() : engineError(std::get<EngineError>(result)));
        });
}

void FaktoryConnection::fail(const FaktoryCommand& command)
{
    auto parsed = parseJsonObject(command.argument, "FAIL's argument");
    if (auto* error = std::get_if<FaktorySyntaxError>(&parsed))
        return refuse(error->message);
    const QJsonObject object = std::get<QJsonObject>(parsed);
    const QString jid = jidOf(object);
    WorkerFailure failure;
    failure.code = object.value(QLatin1StringView("errtype")).toString();
    failure.message = object.value(QLatin1StringView("message")).toString();
    const QJsonValue backtrace = object.value(QLatin1StringView("backtrace"));
    if (backtrace.isArray()) {
        QStringList lines;
        for (const QJsonValue& line : backtrace.toArray())
            lines.append(line.toString());
        failure.details = lines.join(u'\n');
    } else {
        failure.details = backtrace.toString();
    }
    const auto held = heldLease(jid);
    if (!held)
        return;
    failure.retryInMs = m_service->retryDelayMs(held->attempt - 1);
    QPointer<FaktoryConnection> self(this);
    answerLater();
    m_service->engine()->failLease(
        held->jobId, held->token, failure, m_service, [self](const EngineResult<Job>& result) {
            if (self)
                self->answered(
                    std::holds_alternative<Job>(result) ? Resp::ok() : engineError(std::get<EngineError>(result)));
        });
}

void FaktoryConnection::beat(const FaktoryCommand& command)
{
    auto parsed = parseJsonObject(command.argument, "BEAT's argument");
    if (auto* error = std::get_if<FaktorySyntaxError>(&parsed))
        return refuse(error->message);
    const QString wid = std::get<QJsonObject>(parsed).value(QLatin1StringView("wid")).toString();
    if (m_registration.id.isEmpty() || wid != m_registration.id)
        return send(Resp::error("BEAT must name the wid this connection's HELLO gave"));
    Engine* engine = m_service->engine();
    auto answer = engine->beat(wid);
    if (std::holds_alternative<EngineError>(answer)) {
        // Forgotten after being gone for long: its HELLO still says who it is.
        engine->registerWorker(m_registration);
        answer = engine->beat(wid);
    }
    if (const auto* error = std::get_if<EngineError>(&answer))
        return send(engineError(*error));
    switch (std::get<BeatAnswer>(answer).directive) {
    case WorkerDirective::Ok:
        return send(Resp::ok());
    case WorkerDirective::Quiet:
        return send(Resp::bulk(R"({"state":"quiet"})"));
    case WorkerDirective::Terminate:
        return send(Resp::bulk(R"({"state":"terminate"})"));
    }
}

void FaktoryConnection::info(const FaktoryCommand& command)
{
    if (!noArgument(command))
        return;
    Engine* engine = m_service->engine();
    const EngineStats stats = engine->stats();
    QJsonObject queues;
    for (const QueueInfo& queue : engine->queues())
        queues.insert(queue.name, queue.depth);
    const QJsonObject faktory {
        { QStringLiteral("total_failures"), qint64(stats.counts[std::size_t(JobStatus::Failed)]) },
        { QStringLiteral("total_processed"), qint64(stats.finishedTotal) },
        { QStringLiteral("total_enqueued"), stats.queueDepth },
        { QStringLiteral("total_queues"), queues.size() },
        { QStringLiteral("queues"), queues },
        { QStringLiteral("tasks"), QJsonObject {} },
    };
    const QJsonObject server {
        { QStringLiteral("description"), QStringLiteral("QueueLab (Faktory-compatible)") },
        { QStringLiteral("faktory_version"), QStringLiteral("1.9.0") },
        { QStringLiteral("version"), QStringLiteral(QUEUELAB_VERSION) },
        { QStringLiteral("uptime"), m_service->uptimeSecs() },
        { QStringLiteral("connections"), m_service->connectionCount() },
        { QStringLiteral("command_count"), qint64(m_service->commandCount()) },
    };
    send(Resp::bulk(json(QJsonObject {
        { QStringLiteral("now"), formatTimestamp(QDateTime::currentMSecsSinceEpoch()) },
        { QStringLiteral("server_utc_time"), QDateTime::currentDateTimeUtc().toString(QStringLiteral("HH:mm:ss UTC")) },
        { QStringLiteral("faktory"), faktory },
        { QStringLiteral("server"), server },
    })));
}
