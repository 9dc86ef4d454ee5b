#include "workersapi.h"

#include "api/apireply.h"
#include "api/httproutes.h"
#include "defaultlimits.h"
#include "httpguard/httpjson.h"
#include "wire/jobjson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <cmath>
#include <limits>
#include <utility>

namespace {

// How often a waiting lease request looks whether its client is still there: the exchange has
// no signal for it, and a second of a withdrawn request's wait costs nothing.
constexpr int clientWatchMs = 500;

QString jobIdText(JobId id)
{
    return QString::number(id);
}

QJsonArray toJsonArray(const QStringList& list)
{
    return QJsonArray::fromStringList(list);
}

// A lease as GET /workers shows it: without the token, which is the worker's alone.
QJsonObject leaseJson(const Lease& lease)
{
    return {
        { QStringLiteral("job_id"), jobIdText(lease.jobId) },
        { QStringLiteral("job_type"), lease.jobType },
        { QStringLiteral("leased_at"), lease.leasedAt },
        { QStringLiteral("expires_at"), lease.expiresAt },
        { QStringLiteral("reserve_for_ms"), lease.reserveForMs },
        { QStringLiteral("progress"), lease.progress },
        { QStringLiteral("progress_message"), lease.progressMessage },
        { QStringLiteral("cancel_requested"), lease.cancelRequested },
    };
}

QJsonObject workerJson(const ExternalWorkerStatus& worker)
{
    QJsonArray leases;
    for (const Lease& lease : worker.leases)
        leases.append(leaseJson(lease));
    const WorkerRegistration& r = worker.registration;
    return {
        { QStringLiteral("id"), r.id },
        { QStringLiteral("hostname"), r.hostname },
        { QStringLiteral("pid"), r.pid },
        { QStringLiteral("labels"), toJsonArray(r.labels) },
        { QStringLiteral("queues"), toJsonArray(r.queues) },
        { QStringLiteral("job_types"), toJsonArray(r.jobTypes) },
        { QStringLiteral("protocol"), r.protocol },
        { QStringLiteral("state"), QString(workerStateName(worker.state)) },
        { QStringLiteral("directive"), QString(directiveName(worker.directive)) },
        { QStringLiteral("registered_at"), worker.registeredAt },
        { QStringLiteral("last_seen_at"), worker.lastSeenAt },
        { QStringLiteral("leases"), leases },
    };
}

QJsonObject leaseStatusJson(const LeaseStatus& status)
{
    return {
        { QStringLiteral("job_id"), jobIdText(status.lease.jobId) },
        { QStringLiteral("expires_at"), status.lease.expiresAt },
        { QStringLiteral("progress"), status.lease.progress },
        { QStringLiteral("cancelled"), status.cancelled },
        { QStringLiteral("directive"), QString(directiveName(status.directive)) },
    };
}

// The grants as the lease answer carries them: each job as GET /jobs/{id} shows it, its token
// and its expiry.
QByteArray grantsJson(const QList<LeaseGrant>& grants)
{
    QByteArray out = QByteArrayLiteral("{\"leases\":[");
    for (qsizetype i = 0; i < grants.size(); ++i) {
        const LeaseGrant& grant = grants.at(i);
        out += i ? ",{\"job\":" : "{\"job\":";
        JobJson::appendJob(out, grant.job);
        out += ",\"token\":";
        JobJson::appendString(out, grant.lease.token);
        out += ",\"expires_at\":" + QByteArray::number(grant.lease.expiresAt) + '}';
    }
    out += "]}";
    return out;
}

// The engine names the lease's life "reserve_for"; the API's field is "reserve_for_ms".
void answerError(const HttpExchangePtr& exchange, EngineError error)
{
    if (error.field == QLatin1StringView("reserve_for"))
        error.field = QStringLiteral("reserve_for_ms");
    ApiReply::error(exchange, error);
}

// An optional array of strings; nullopt after answering 400.
std::optional<QStringList> stringList(const HttpExchangePtr& exchange, const QJsonObject& body, const QString& name)
{
    const QJsonValue value = body.value(name);
    if (value.isUndefined() || value.isNull())
        return QStringList();
    QStringList list;
    const QJsonArray array = value.toArray();
    for (const QJsonValue& item : array) {
        if (!item.isString())
            break;
        list.append(item.toString());
    }
    if (!value.isArray() || list.size() != array.size()) {
        ApiReply::invalid(exchange, name, QStringLiteral("must be an array of strings"));
        return std::nullopt;
    }
    return list;
}

// An optional integer within [min, max]; nullopt after answering 400.
std::optional<qint64> integer(const HttpExchangePtr& exchange, const QJsonObject& body, const QString& name,
    qint64 fallback, qint64 min, qint64 max)
{
    const QJsonValue value = body.value(name);
    if (value.isUndefined() || value.isNull())
        return fallback;
    const double number = value.toDouble(-1);
    if (!value.isDouble() || std::floor(number) != number || number < double(min) || number > double(max)) {
        ApiReply::invalid(exchange, name, QStringLiteral("must be an integer from %1 to %2").arg(min).arg(max));
        return std::nullopt;
    }
    return qint64(number);
}

// The lease token every call on a leased job carries; nullopt after answering 400.
std::optional<QString> token(
    const HttpExchangePtr& exchange, const QJsonObject& body, const QString& field = QStringLiteral("token"))
{
    const QJsonValue value = body.value(QLatin1StringView("token"));
    if (!value.isString() || value.toString().isEmpty()) {
        ApiReply::invalid(exchange, field, QStringLiteral("must be the token the lease answer gave"));
        return std::nullopt;
    }
    return value.toString();
}

// What every call on a leased job starts with: the job's id, the JSON body and the lease token;
// nullopt after answering 4xx.
struct LeaseCall
{
    JobId id;
    QJsonObject body;
    QString token;
};

std::optional<LeaseCall> leaseCall(const HttpExchangePtr& exchange)
{
    const auto id = ApiReply::jobId(exchange);
    if (!id)
        return std::nullopt;
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return std::nullopt;
    const auto leaseToken = token(exchange, *body);
    if (!leaseToken)
        return std::nullopt;
    return LeaseCall { *id, *body, *leaseToken };
}

std::optional<QString> optionalString(const HttpExchangePtr& exchange, const QJsonObject& body, const QString& name)
{
    const QJsonValue value = body.value(name);
    if (value.isUndefined() || value.isNull())
        return QString();
    if (!value.isString()) {
        ApiReply::invalid(exchange, name, QStringLiteral("must be a string"));
        return std::nullopt;
    }
    return value.toString();
}

// A worker's error object {"code", "message", "details"}; nullopt after answering 400.
std::optional<WorkerFailure> workerFailure(
    const HttpExchangePtr& exchange, const QJsonValue& value, const QString& field)
{
    if (!value.isObject()) {
        ApiReply::invalid(exchange, field, QStringLiteral("must be an object {\"code\", \"message\", \"details\"}"));
        return std::nullopt;
    }
    const QJsonObject error = value.toObject();
    WorkerFailure failure;
    const auto code = optionalString(exchange, error, QStringLiteral("code"));
    if (!code)
        return std::nullopt;
    const auto message = optionalString(exchange, error, QStringLiteral("message"));
    if (!message)
        return std::nullopt;
    const auto details = optionalString(exchange, error, QStringLiteral("details"));
    if (!details)
        return std::nullopt;
    failure.code = *code;
    failure.message = *message;
    failure.details = *details;
    return failure;
}

// One outcome of POST /leases/finish: the job's status after it, or why it was refused, with the
// status the single-lease route would have answered.
QByteArray finishedLeaseJson(JobId id, const EngineResult<Job>& result)
{
    QByteArray out = "{\"job_id\":\"" + QByteArray::number(id);
    if (const auto* error = std::get_if<EngineError>(&result)) {
        out += "\",\"error\":{\"status\":" + QByteArray::number(ApiReply::httpStatus(*error)) + ",\"code\":";
        JobJson::appendString(out, error->code);
        out += ",\"message\":";
        JobJson::appendString(out, error->message);
        out += "}}";
    } else {
        out += "\",\"status\":\"";
        out += statusName(std::get<Job>(result).status);
        out += "\"}";
    }
    return out;
}

QByteArray joinedLeases(const QList<QByteArray>& items)
{
    QByteArray out = QByteArrayLiteral("{\"leases\":[");
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (i)
            out += ',';
        out += items.at(i);
    }
    out += "]}";
    return out;
}

} // namespace

WorkersApi::WorkersApi(Engine* engine, QObject* context)
    : m_engine(engine)
    , m_context(context)
{ }

WorkersApi::~WorkersApi()
{
    for (const LeasePoll& poll : std::as_const(m_leasePolls))
        m_engine->cancelLease(poll.handle);
}

void WorkersApi::addRoutes(HttpRoutes& routes)
{
    using Method = QHttpServerRequest::Method;
    routes.add(
        Method::Post, QStringLiteral("/workers"), QStringLiteral("/workers"), [this](auto& e) { registerWorker(e); });
    routes.add(Method::Get, QStringLiteral("/workers"), QStringLiteral("/workers"), [this](auto& e) { list(e); });
    routes.add(
        Method::Post, QStringLiteral("/workers/<arg>/beat"), QStringLiteral("/workers/{id}/beat"),
        [this](auto& e) { beat(e); }, HttpRoutes::Body::Any);
    routes.add(Method::Post, QStringLiteral("/workers/<arg>/lease"), QStringLiteral("/workers/{id}/lease"),
        [this](auto& e) { lease(e); });
    routes.add(Method::Post, QStringLiteral("/jobs/<arg>/lease/extend"), QStringLiteral("/jobs/{id}/lease/extend"),
        [this](auto& e) { extend(e); });
    routes.add(Method::Post, QStringLiteral("/jobs/<arg>/lease/progress"), QStringLiteral("/jobs/{id}/lease/progress"),
        [this](auto& e) { progress(e); });
    routes.add(Method::Post, QStringLiteral("/jobs/<arg>/lease/complete"), QStringLiteral("/jobs/{id}/lease/complete"),
        [this](auto& e) { complete(e); });
    routes.add(Method::Post, QStringLiteral("/jobs/<arg>/lease/fail"), QStringLiteral("/jobs/{id}/lease/fail"),
        [this](auto& e) { fail(e); });
    routes.add(Method::Post, QStringLiteral("/leases/finish"), QStringLiteral("/leases/finish"),
        [this](auto& e) { finishMany(e); });
    routes.add(
        Method::Post, QStringLiteral("/jobs/<arg>/lease/expire"), QStringLiteral("/jobs/{id}/lease/expire"),
        [this](auto& e) { expire(e); }, HttpRoutes::Body::Any);
}

void WorkersApi::registerWorker(const HttpExchangePtr& exchange)
{
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return;
    WorkerRegistration registration;
    const QJsonValue id = body->value(QLatin1StringView("id"));
    if (!id.isString())
        return ApiReply::invalid(exchange, QStringLiteral("id"), QStringLiteral("must be a string naming the worker"));
    registration.id = id.toString();
    const auto hostname = optionalString(exchange, *body, QStringLiteral("hostname"));
    if (!hostname)
        return;
    registration.hostname = *hostname;
    const auto pid = integer(exchange, *body, QStringLiteral("pid"), 0, 0, std::numeric_limits<qint32>::max());
    if (!pid)
        return;
    registration.pid = *pid;
    const auto labels = stringList(exchange, *body, QStringLiteral("labels"));
    if (!labels)
        return;
    const auto queues = stringList(exchange, *body, QStringLiteral("queues"));
    if (!queues)
        return;
    const auto jobTypes = stringList(exchange, *body, QStringLiteral("job_types"));
    if (!jobTypes)
        return;
    registration.labels = *labels;
    registration.queues = *queues;
    registration.jobTypes = *jobTypes;
    registration.protocol = QStringLiteral("http");
    const auto result = m_engine->registerWorker(registration);
    if (const auto* error = std::get_if<EngineError>(&result))
        return answerError(exchange, *error);
    exchange->respondJson(ApiReply::ok, workerJson(std::get<ExternalWorkerStatus>(result)));
}

void WorkersApi::list(const HttpExchangePtr& exchange)
{
    QJsonArray workers;
    for (const ExternalWorkerStatus& worker : m_engine->externalWorkers())
        workers.append(workerJson(worker));
    exchange->respondJson(ApiReply::ok, QJsonObject { { QStringLiteral("workers"), workers } });
}

void WorkersApi::beat(const HttpExchangePtr& exchange)
{
    const auto result = m_engine->beat(exchange->pathArg());
    if (const auto* error = std::get_if<EngineError>(&result))
        return answerError(exchange, *error);
    const BeatAnswer& answer = std::get<BeatAnswer>(result);
    QJsonArray cancelled;
    for (JobId id : answer.cancelledJobs)
        cancelled.append(jobIdText(id));
    exchange->respondJson(ApiReply::ok,
        QJsonObject {
            { QStringLiteral("state"), QString(directiveName(answer.directive)) },
            { QStringLiteral("cancelled_jobs"), cancelled },
        });
}

void WorkersApi::lease(const HttpExchangePtr& exchange)
{
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return;
    LeaseRequest request;
    request.workerId = exchange->pathArg();
    const auto queues = stringList(exchange, *body, QStringLiteral("queues"));
    if (!queues)
        return;
    request.queues = *queues;
    const auto max = integer(exchange, *body, QStringLiteral("max"), 1, 1, Limits::maxLeaseBatch);
    if (!max)
        return;
    request.max = int(*max);
    const auto waitMs = integer(exchange, *body, QStringLiteral("wait_ms"), 0, 0, Limits::maxLeaseWaitMs);
    if (!waitMs)
        return;
    request.waitMs = *waitMs;
    const auto reserveForMs = integer(exchange, *body, QStringLiteral("reserve_for_ms"), 0, 0,
        std::numeric_limits<qint64>::max() / 4); // the engine says what it takes
    if (!reserveForMs)
        return;
    request.reserveForMs = *reserveForMs;

    exchange->defer();
    const quint64 handle
        = m_engine->lease(request, m_context, [this, exchange](const EngineResult<QList<LeaseGrant>>& result) {
              endPoll(exchange.get());
              if (const auto* error = std::get_if<EngineError>(&result))
                  return answerError(exchange, *error);
              if (!exchange->isConnected()) {
                  // The worker left while its jobs were being leased: nobody would ever hear of
                  // them, so they go back now instead of when their leases run out.
                  m_engine->returnLeases(std::get<QList<LeaseGrant>>(result));
                  return;
              }
              exchange->respond(ApiReply::ok, jsonContentType, grantsJson(std::get<QList<LeaseGrant>>(result)));
          });
    if (handle == 0 || exchange->isAnswered())
        return;
    auto* watch = new QTimer(m_context);
    watch->setInterval(clientWatchMs);
    QObject::connect(watch, &QTimer::timeout, m_context, [this, key = exchange.get()] {
        const auto poll = m_leasePolls.constFind(key);
        if (poll == m_leasePolls.cend() || poll->exchange->isConnected())
            return;
        m_engine->cancelLease(poll->handle); // jobs it may have taken go back to their queue
        endPoll(key);
    });
    watch->start();
    m_leasePolls.insert(exchange.get(), { exchange, handle, watch });
}

void WorkersApi::endPoll(const HttpExchange* exchange)
{
    const LeasePoll poll = m_leasePolls.take(exchange);
    if (poll.watch)
        poll.watch->deleteLater();
}

void WorkersApi::answerLongPolls()
{
    const auto polls = std::exchange(m_leasePolls, {});
    for (const LeasePoll& poll : polls) {
        m_engine->cancelLease(poll.handle);
        poll.watch->deleteLater();
        poll.exchange->respond(ApiReply::ok, jsonContentType, grantsJson({}));
    }
}

void WorkersApi::extend(const HttpExchangePtr& exchange)
{
    const auto call = leaseCall(exchange);
    if (!call)
        return;
    const auto& [id, body, leaseToken] = *call;
    const auto reserveForMs
        = integer(exchange, body, QStringLiteral("reserve_for_ms"), 0, 0, std::numeric_limits<qint64>::max() / 4);
    if (!reserveForMs)
        return;
    const auto result = m_engine->extendLease(id, leaseToken, *reserveForMs);
    if (const auto* error = std::get_if<EngineError>(&result))
        return answerError(exchange, *error);
    exchange->respondJson(ApiReply::ok, leaseStatusJson(std::get<LeaseStatus>(result)));
}

void WorkersApi::progress(const HttpExchangePtr& exchange)
{
    const auto call = leaseCall(exchange);
    if (!call)
        return;
    const auto& [id, body, leaseToken] = *call;
    const QJsonValue fraction = body.value(QLatin1StringView("progress"));
    if (!fraction.isDouble())
        return ApiReply::invalid(exchange, QStringLiteral("progress"), QStringLiteral("must be a number from 0 to 1"));
    const auto message = optionalString(exchange, body, QStringLiteral("message"));
    if (!message)
        return;
    const auto result = m_engine->reportProgress(id, leaseToken, fraction.toDouble(), *message);
    if (const auto* error = std::get_if<EngineError>(&result))
        return answerError(exchange, *error);
    exchange->respondJson(ApiReply::ok, leaseStatusJson(std::get<LeaseStatus>(result)));
}

void WorkersApi::complete(const HttpExchangePtr& exchange)
{
    const auto call = leaseCall(exchange);
    if (!call)
        return;
    const auto& [id, body, leaseToken] = *call;
    exchange->defer(); // answered once the outcome is committed
    m_engine->completeLease(
        id, leaseToken, body.value(QLatin1StringView("result")), m_context, [exchange](const EngineResult<Job>& r) {
            if (const auto* error = std::get_if<EngineError>(&r))
                return answerError(exchange, *error);
            exchange->respond(ApiReply::ok, jsonContentType, JobJson::job(std::get<Job>(r)));
        });
}

void WorkersApi::fail(const HttpExchangePtr& exchange)
{
    const auto call = leaseCall(exchange);
    if (!call)
        return;
    const auto& [id, body, leaseToken] = *call;
    const auto failure = workerFailure(exchange, body.value(QLatin1StringView("error")), QStringLiteral("error"));
    if (!failure)
        return;
    exchange->defer(); // answered once the outcome is committed
    m_engine->failLease(id, leaseToken, *failure, m_context, [exchange](const EngineResult<Job>& r) {
        if (const auto* error = std::get_if<EngineError>(&r))
            return answerError(exchange, *error);
        exchange->respond(ApiReply::ok, jsonContentType, JobJson::job(std::get<Job>(r)));
    });
}

void WorkersApi::finishMany(const HttpExchangePtr& exchange)
{
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return;
    const QJsonValue leasesValue = body->value(QLatin1StringView("leases"));
    const QJsonArray items = leasesValue.toArray();
    if (!leasesValue.isArray() || items.isEmpty() || items.size() > Limits::maxLeaseBatch)
        return ApiReply::invalid(exchange, QStringLiteral("leases"),
            QStringLiteral("must be an array of 1 to %1 outcomes").arg(Limits::maxLeaseBatch));

    // Every outcome is checked before any is acted on, so a malformed one changes nothing.
    struct Outcome
    {
        JobId id = 0;
        QString token;
        std::optional<WorkerFailure> failure; // none: completed with `result`
        QJsonValue result;
    };
    QList<Outcome> outcomes;
    outcomes.reserve(items.size());
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString field = QStringLiteral("leases[%1]").arg(i);
        const QJsonObject item = items.at(i).toObject();
        const QJsonValue idValue = item.value(QLatin1StringView("job_id"));
        const auto id = idValue.isString()
            ? ApiReply::digitsValue(idValue.toString(), std::numeric_limits<JobId>::max())
            : std::nullopt;
        if (!items.at(i).isObject() || !id)
            return ApiReply::invalid(
                exchange, field + QStringLiteral(".job_id"), QStringLiteral("must be the id of a leased job"));
        Outcome outcome;
        outcome.id = *id;
        const auto leaseToken = token(exchange, item, field + QStringLiteral(".token"));
        if (!leaseToken)
            return;
        outcome.token = *leaseToken;
        const QJsonValue error = item.value(QLatin1StringView("error"));
        if (!error.isUndefined()) {
            if (item.contains(QLatin1StringView("result")))
                return ApiReply::invalid(
                    exchange, field, QStringLiteral("names a result and an error: an outcome is one or the other"));
            outcome.failure = workerFailure(exchange, error, field + QStringLiteral(".error"));
            if (!outcome.failure)
                return;
        } else {
            outcome.result = item.value(QLatin1StringView("result"));
        }
        outcomes.append(std::move(outcome));
    }

    // The outcomes reach the store together, so one commit serves them all; the answer waits for
    // the last and lists each outcome in the order given.
    struct Answers
    {
        HttpExchangePtr exchange;
        QList<QByteArray> items;
        qsizetype pending = 0;
    };
    auto answers = std::make_shared<Answers>(Answers { exchange, QList<QByteArray>(outcomes.size()), outcomes.size() });
    exchange->defer();
    for (qsizetype i = 0; i < outcomes.size(); ++i) {
        const Outcome& outcome = outcomes.at(i);
        auto recorded = [answers, i, id = outcome.id](const EngineResult<Job>& r) {
            answers->items[i] = finishedLeaseJson(id, r);
            if (--answers->pending == 0)
                answers->exchange->respond(ApiReply::ok, jsonContentType, joinedLeases(answers->items));
        };
        if (outcome.failure)
            m_engine->failLease(outcome.id, outcome.token, *outcome.failure, m_context, std::move(recorded));
        else
            m_engine->completeLease(outcome.id, outcome.token, outcome.result, m_context, std::move(recorded));
    }
}

void WorkersApi::expire(const HttpExchangePtr& exchange)
{
    // The operator's "expire lease now": no token, as DELETE /jobs/{id} needs none.
    const auto id = ApiReply::jobId(exchange);
    if (!id)
        return;
    const auto result = m_engine->expireLease(*id);
    if (const auto* error = std::get_if<EngineError>(&result))
        return answerError(exchange, *error);
    exchange->respond(ApiReply::ok, jsonContentType, JobJson::job(std::get<Job>(result)));
}
