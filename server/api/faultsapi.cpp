#include "faultsapi.h"

#include "api/apireply.h"
#include "api/httproutes.h"

#include <QJsonArray>

#include <cmath>
#include <limits>

namespace {

QJsonValue textOrNull(const QString& text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

const QStringList knownFields { QStringLiteral("kind"), QStringLiteral("queue"), QStringLiteral("job_type"),
    QStringLiteral("worker"), QStringLiteral("percent"), QStringLiteral("duration_ms"), QStringLiteral("error_code"),
    QStringLiteral("error_message"), QStringLiteral("phase"), QStringLiteral("latency_ms"),
    QStringLiteral("latency_max_ms"), QStringLiteral("retry_after_s"), QStringLiteral("seed") };

// The body of POST /faults as a FaultSpec; nullopt after answering 400. The engine checks what
// each kind takes (Engine::addFault()); this checks the JSON types.
std::optional<FaultSpec> parseSpec(const HttpExchangePtr& exchange, const QJsonObject& body)
{
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!knownFields.contains(it.key())) {
            ApiReply::invalid(exchange, it.key(),
                QStringLiteral("is not a field of a fault; the fields are %1").arg(knownFields.join(u", ")));
            return std::nullopt;
        }
    }
    FaultSpec spec;
    const QJsonValue kind = body.value(QLatin1StringView("kind"));
    const auto parsedKind = faultKindFromName(kind.toString());
    if (!parsedKind) {
        QStringList names;
        for (int i = 0; i < faultKindCount; ++i)
            names.append(faultKindName(FaultKind(i)));
        ApiReply::invalid(exchange, QStringLiteral("kind"), QStringLiteral("must be one of %1").arg(names.join(u", ")));
        return std::nullopt;
    }
    spec.kind = *parsedKind;

    bool ok = true;
    const auto text = [&](const char* name, QString* out) {
        const QJsonValue value = body.value(QLatin1StringView(name));
        if (!ok || value.isUndefined() || value.isNull())
            return;
        if (!value.isString()) {
            ApiReply::invalid(exchange, QString::fromLatin1(name), QStringLiteral("must be a string"));
            ok = false;
            return;
        }
        *out = value.toString();
    };
    const auto integer = [&](const char* name, qint64 min, qint64 max, qint64* out) {
        const QJsonValue value = body.value(QLatin1StringView(name));
        if (!ok || value.isUndefined() || value.isNull())
            return false;
        const double number = value.toDouble(-1);
        if (!value.isDouble() || std::floor(number) != number || number < double(min) || number > double(max)) {
            ApiReply::invalid(exchange, QString::fromLatin1(name),
                QStringLiteral("must be an integer from %1 to %2").arg(min).arg(max));
            ok = false;
            return false;
        }
        *out = qint64(number);
        return true;
    };
    text("queue", &spec.queue);
    text("job_type", &spec.jobType);
    text("worker", &spec.worker);
    text("error_code", &spec.errorCode);
    text("error_message", &spec.errorMessage);
    QString phase;
    text("phase", &phase);
    if (!ok)
        return std::nullopt;
    if (!phase.isEmpty() && phase != u"before" && phase != u"after") {
        ApiReply::invalid(exchange, QStringLiteral("phase"), QStringLiteral("must be \"before\" or \"after\""));
        return std::nullopt;
    }
    spec.afterRun = phase == u"after";
    const QJsonValue percent = body.value(QLatin1StringView("percent"));
    if (!percent.isUndefined() && !percent.isNull()) {
        if (!percent.isDouble() || percent.toDouble() < 0 || percent.toDouble() > 100) {
            ApiReply::invalid(exchange, QStringLiteral("percent"), QStringLiteral("must be a number from 0 to 100"));
            return std::nullopt;
        }
        spec.share = percent.toDouble() / 100.0;
    }
    constexpr qint64 big = std::numeric_limits<qint32>::max();
    integer("duration_ms", 0, std::numeric_limits<qint64>::max() / 4, &spec.durationMs);
    if (integer("latency_ms", 0, big, &spec.minMs))
        spec.maxMs = spec.minMs;
    integer("latency_max_ms", 0, big, &spec.maxMs);
    qint64 retryAfter = spec.retryAfterSecs;
    if (integer("retry_after_s", 0, big, &retryAfter))
        spec.retryAfterSecs = int(retryAfter);
    qint64 seed = 0;
    if (integer("seed", 0, std::numeric_limits<quint32>::max(), &seed))
        spec.seed = quint32(seed);
    if (!ok)
        return std::nullopt;
    return spec;
}

} // namespace

QJsonObject faultToJson(const Fault& fault)
{
    const FaultSpec& spec = fault.spec;
    QJsonObject object {
        { QStringLiteral("id"), fault.id },
        { QStringLiteral("kind"), faultKindName(spec.kind) },
        { QStringLiteral("queue"), textOrNull(spec.queue) },
        { QStringLiteral("job_type"), textOrNull(spec.jobType) },
        { QStringLiteral("percent"), spec.share * 100.0 },
        { QStringLiteral("duration_ms"), spec.durationMs },
        { QStringLiteral("created_at"), timestampToJson(fault.createdAt) },
        { QStringLiteral("ends_at"), timestampToJson(fault.endsAt) },
        { QStringLiteral("remaining_ms"),
            fault.endsAt > 0 ? QJsonValue(fault.remainingMs) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("chances"), qint64(fault.chances) },
        { QStringLiteral("injected"), qint64(fault.injected) },
    };
    switch (spec.kind) {
    case FaultKind::FailAttempts:
        object.insert(QStringLiteral("error_code"), spec.errorCode);
        object.insert(QStringLiteral("error_message"), spec.errorMessage);
        object.insert(QStringLiteral("phase"), spec.afterRun ? QStringLiteral("after") : QStringLiteral("before"));
        break;
    case FaultKind::RunLatency:
    case FaultKind::HttpLatency:
        object.insert(QStringLiteral("latency_ms"), spec.minMs);
        object.insert(QStringLiteral("latency_max_ms"), spec.maxMs);
        break;
    case FaultKind::RefuseSubmissions:
        object.insert(QStringLiteral("retry_after_s"), spec.retryAfterSecs);
        break;
    case FaultKind::DropWorker:
        object.insert(QStringLiteral("worker"), spec.worker);
        object.insert(QStringLiteral("affected"), fault.affected);
        break;
    case FaultKind::ExpireLeases:
        object.insert(QStringLiteral("affected"), fault.affected);
        break;
    case FaultKind::HttpDrop:
    case FaultKind::StoreUnavailable:
    case FaultKind::EmptyLeases:
        break;
    }
    if (spec.seed)
        object.insert(QStringLiteral("seed"), qint64(*spec.seed));
    return object;
}

FaultsApi::FaultsApi(Engine* engine)
    : m_engine(engine)
{ }

void FaultsApi::addRoutes(HttpRoutes& routes)
{
    using Method = QHttpServerRequest::Method;
    routes.add(Method::Get, QStringLiteral("/faults"), QStringLiteral("/faults"), [this](auto& e) { list(e); });
    routes.add(Method::Post, QStringLiteral("/faults"), QStringLiteral("/faults"), [this](auto& e) { create(e); });
    routes.add(
        Method::Delete, QStringLiteral("/faults"), QStringLiteral("/faults"), [this](auto& e) { clear(e); },
        HttpRoutes::Body::Any);
    routes.add(
        Method::Get, QStringLiteral("/faults/<arg>"), QStringLiteral("/faults/{id}"), [this](auto& e) { get(e); });
    routes.add(
        Method::Delete, QStringLiteral("/faults/<arg>"), QStringLiteral("/faults/{id}"), [this](auto& e) { remove(e); },
        HttpRoutes::Body::Any);
}

void FaultsApi::list(const HttpExchangePtr& exchange)
{
    QJsonArray faults;
    for (const Fault& fault : m_engine->faults())
        faults.append(faultToJson(fault));
    const FaultCounts counts = m_engine->faultCounts();
    QJsonObject injected;
    for (int i = 0; i < faultKindCount; ++i)
        injected.insert(faultKindName(FaultKind(i)), qint64(counts[std::size_t(i)]));
    exchange->respondJson(ApiReply::ok,
        QJsonObject { { QStringLiteral("faults"), faults }, { QStringLiteral("injected_total"), injected } });
}

void FaultsApi::get(const HttpExchangePtr& exchange)
{
    for (const Fault& fault : m_engine->faults()) {
        if (fault.id == exchange->pathArg())
            return exchange->respondJson(ApiReply::ok, faultToJson(fault));
    }
    exchange->respondError(404, QStringLiteral("not_found"),
        QStringLiteral("no fault with id %1 is on (it ended, or was removed)").arg(exchange->pathArg()));
}

void FaultsApi::create(const HttpExchangePtr& exchange)
{
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return;
    const auto spec = parseSpec(exchange, *body);
    if (!spec)
        return;
    const EngineResult<Fault> result = m_engine->addFault(*spec);
    if (const auto* error = std::get_if<EngineError>(&result))
        return ApiReply::error(exchange, *error);
    const Fault& fault = std::get<Fault>(result);
    exchange->respondJson(201, faultToJson(fault),
        { { QByteArrayLiteral("Location"), QByteArrayLiteral("/faults/") + fault.id.toUtf8() } });
}

void FaultsApi::remove(const HttpExchangePtr& exchange)
{
    const EngineResult<Fault> result = m_engine->removeFault(exchange->pathArg());
    if (const auto* error = std::get_if<EngineError>(&result))
        return ApiReply::error(exchange, *error);
    exchange->respondJson(ApiReply::ok, faultToJson(std::get<Fault>(result)));
}

void FaultsApi::clear(const HttpExchangePtr& exchange)
{
    exchange->respondJson(ApiReply::ok, QJsonObject { { QStringLiteral("removed"), m_engine->clearFaults() } });
}
