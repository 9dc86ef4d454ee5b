#include "bulkapi.h"

#include "api/apireply.h"
#include "api/httproutes.h"
#include "api/postedcalls.h"
#include "defaultlimits.h"
#include "engine/threadjoin.h"

#include <QJsonObject>

namespace {

std::optional<BulkAction> bulkAction(const QString& name)
{
    if (name == QLatin1StringView("retry"))
        return BulkAction::Retry;
    if (name == QLatin1StringView("cancel"))
        return BulkAction::Cancel;
    if (name == QLatin1StringView("delete"))
        return BulkAction::Delete;
    return std::nullopt;
}

QString statusNames(const QList<JobStatus>& statuses)
{
    QStringList names;
    for (JobStatus status : statuses)
        names.append(QString(statusName(status)));
    return names.join(QStringLiteral(", "));
}

struct BulkRequest
{
    JobQuery filter;
    bool dryRun = false;
};

// The body's filter: {"status", "queue", "type", "error_code", "dry_run"}, every field optional.
// Answers 400 and returns nullopt for anything else, so that a typo never widens the filter.
std::optional<BulkRequest> parseRequest(const HttpExchangePtr& exchange, BulkAction action)
{
    BulkRequest request;
    if (exchange->body().isEmpty())
        return request; // no filter: every job the action applies to
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return std::nullopt;
    const auto text = [&](QLatin1StringView name, int maxLength, QString* out) {
        const QJsonValue value = body->value(name);
        if (value.isUndefined() || value.isNull())
            return true;
        if (!value.isString() || value.toString().isEmpty() || value.toString().size() > maxLength) {
            ApiReply::invalid(
                exchange, QString(name), QStringLiteral("must be a string of 1 to %1 characters").arg(maxLength));
            return false;
        }
        *out = value.toString();
        return true;
    };
    for (auto it = body->begin(); it != body->end(); ++it) {
        static const QStringList known { QStringLiteral("status"), QStringLiteral("queue"), QStringLiteral("type"),
            QStringLiteral("error_code"), QStringLiteral("dry_run") };
        if (!known.contains(it.key())) {
            ApiReply::invalid(exchange, it.key(),
                QStringLiteral("is not a filter; the filters are status, queue, type and error_code, and dry_run"));
            return std::nullopt;
        }
    }
    QString status;
    if (!text(QLatin1StringView("status"), 20, &status)
        || !text(QLatin1StringView("queue"), Limits::maxQueueNameLength, &request.filter.queue)
        || !text(QLatin1StringView("type"), Limits::maxTypeLength, &request.filter.type)
        || !text(QLatin1StringView("error_code"), 200, &request.filter.errorCode))
        return std::nullopt;
    if (!status.isEmpty()) {
        request.filter.status = jobStatusFromString(status);
        const QList<JobStatus> allowed = Engine::bulkStatuses(action);
        if (!request.filter.status || !allowed.contains(*request.filter.status)) {
            ApiReply::invalid(exchange, QStringLiteral("status"),
                QStringLiteral("must be one of %1 for this action").arg(statusNames(allowed)));
            return std::nullopt;
        }
    }
    const QJsonValue dryRun = body->value(QLatin1StringView("dry_run"));
    if (!dryRun.isUndefined() && !dryRun.isBool()) {
        ApiReply::invalid(exchange, QStringLiteral("dry_run"), QStringLiteral("must be true or false"));
        return std::nullopt;
    }
    request.dryRun = dryRun.toBool(false);
    return request;
}

} // namespace

BulkApi::BulkApi(Engine* engine, QObject* context)
    : m_engine(engine)
    , m_answers(std::make_shared<PostedCalls>(context))
{
    m_runner.setMaxThreadCount(1);
    m_runner.setObjectName(QStringLiteral("queuelab-bulk"));
}

BulkApi::~BulkApi()
{
    m_answers->close();
    ThreadJoin::waitPoolDone(m_runner); // an action under way finishes; its answer is dropped with the server
}

void BulkApi::addRoutes(HttpRoutes& routes)
{
    routes.add(
        QHttpServerRequest::Method::Post, QStringLiteral("/jobs/bulk/<arg>"), QStringLiteral("/jobs/bulk/{action}"),
        [this](auto& e) { act(e); }, HttpRoutes::Body::Any);
}

void BulkApi::act(const HttpExchangePtr& exchange)
{
    const QString name = exchange->pathArg();
    const std::optional<BulkAction> action = bulkAction(name);
    if (!action)
        return exchange->respondError(404, QStringLiteral("not_found"),
            QStringLiteral("no bulk action \"%1\": use retry, cancel or delete").arg(name));
    const std::optional<BulkRequest> request = parseRequest(exchange, *action);
    if (!request)
        return;
    exchange->defer();
    ThreadJoin::runInPool(
        m_runner, [engine = m_engine, action = *action, request = *request, name, exchange, answers = m_answers] {
            const EngineResult<BulkOutcome> result = engine->bulk(action, request.filter, request.dryRun);
            answers->post([exchange, result, name, dryRun = request.dryRun] {
                if (const auto* error = std::get_if<EngineError>(&result))
                    return ApiReply::error(exchange, *error);
                const BulkOutcome& outcome = std::get<BulkOutcome>(result);
                QJsonObject answer {
                    { QStringLiteral("action"), name },
                    { QStringLiteral("dry_run"), dryRun },
                    { QStringLiteral("count"), outcome.count },
                    { QStringLiteral("skipped"), outcome.skipped },
                };
                if (outcome.stopped) {
                    answer.insert(QStringLiteral("stopped"),
                        QJsonObject { { QStringLiteral("code"), outcome.stopped->code },
                            { QStringLiteral("message"), outcome.stopped->message } });
                }
                exchange->respondJson(ApiReply::ok, answer);
            });
        });
}
