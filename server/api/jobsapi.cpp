#include "jobsapi.h"

#include "api/apireply.h"
#include "api/httproutes.h"
#include "api/postedcalls.h"
#include "defaultlimits.h"
#include "engine/threadjoin.h"
#include "httpguard/httpjson.h"
#include "wire/jobjson.h"
#include "wire/jobspecscanner.h"

#include <QJsonArray>
#include <QTimer>

#include <atomic>
#include <utility>

namespace {

void respondJob(const HttpExchangePtr& exchange, int status, const Job& job, const HttpHeaders& headers = {})
{
    exchange->respond(status, jsonContentType, JobJson::job(job), headers);
}

// The race between the store's commit callback (any thread) and the handler returning.
struct DurableAck
{
    enum State { Pending, DurableFirst, HandlerReturned };
    std::atomic<int> state { Pending };
    QString error; // written before `state` by the callback
    QList<Job> jobs; // written before `state` by the handler
};

} // namespace

JobsApi::JobsApi(Engine* engine, QObject* context)
    : m_engine(engine)
    , m_context(context)
    , m_durableAnswers(std::make_shared<PostedCalls>(context))
{
    m_pageBuilders.setMaxThreadCount(2); // pages of big jobs are built two at a time at most
}

JobsApi::~JobsApi()
{
    m_durableAnswers->close();
    ThreadJoin::waitPoolDone(m_pageBuilders); // their answers are dropped: the HTTP thread is going
}

void JobsApi::addRoutes(HttpRoutes& routes)
{
    using Method = QHttpServerRequest::Method;
    routes.add(Method::Post, QStringLiteral("/jobs"), QStringLiteral("/jobs"), [this](auto& e) { submit(e); });
    routes.add(Method::Get, QStringLiteral("/jobs"), QStringLiteral("/jobs"), [this](auto& e) { list(e); });
    routes.add(Method::Post, QStringLiteral("/jobs/batch"), QStringLiteral("/jobs/batch"),
        [this](auto& e) { submitBatch(e); });
    routes.add(Method::Get, QStringLiteral("/jobs/<arg>"), QStringLiteral("/jobs/{id}"), [this](auto& e) { get(e); });
    routes.add(
        Method::Delete, QStringLiteral("/jobs/<arg>"), QStringLiteral("/jobs/{id}"), [this](auto& e) { cancel(e); });
    routes.add(Method::Post, QStringLiteral("/jobs/<arg>/retry"), QStringLiteral("/jobs/{id}/retry"),
        [this](auto& e) { retry(e); });
    routes.add(
        Method::Post, QStringLiteral("/jobs/<arg>/run-now"), QStringLiteral("/jobs/{id}/run-now"),
        [this](auto& e) { runNow(e); }, HttpRoutes::Body::Any);
}

void JobsApi::submit(const HttpExchangePtr& exchange)
{
    if (!ApiReply::hasJsonContentType(exchange))
        return;
    std::optional<SpecResult> scanned = scanJobSpec(exchange->body());
    if (!scanned) { // not the usual shape: the JSON parser decides, and words any error
        const auto body = ApiReply::jsonObject(exchange);
        if (!body)
            return;
        scanned = parseJobSpec(*body);
    }
    SpecResult& spec = *scanned;
    if (const auto* error = std::get_if<SpecError>(&spec))
        return ApiReply::invalid(exchange, error->field, error->message);
    acceptWhenDurable(exchange, { std::get<JobSpec>(std::move(spec)) }, false);
}

void JobsApi::submitBatch(const HttpExchangePtr& exchange)
{
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return;
    const QJsonValue jobs = body->value(QLatin1StringView("jobs"));
    if (!jobs.isArray() || jobs.toArray().isEmpty() || jobs.toArray().size() > Limits::maxBatchJobs) {
        return ApiReply::invalid(exchange, QStringLiteral("jobs"),
            QStringLiteral("must be an array of 1 to %1 job objects").arg(Limits::maxBatchJobs));
    }
    if (body->size() != 1)
        return ApiReply::invalid(exchange, QString(), QStringLiteral("the batch body has only the field \"jobs\""));
    QList<JobSpec> specs;
    specs.reserve(jobs.toArray().size());
    const QJsonArray array = jobs.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString prefix = QStringLiteral("jobs[%1].").arg(i);
        if (!array[i].isObject())
            return ApiReply::invalid(exchange, QStringLiteral("jobs[%1]").arg(i), QStringLiteral("must be an object"));
        SpecResult spec = parseJobSpec(array[i].toObject(), prefix);
        if (const auto* error = std::get_if<SpecError>(&spec))
            return ApiReply::invalid(exchange, error->field, error->message);
        specs.append(std::get<JobSpec>(std::move(spec)));
    }
    acceptWhenDurable(exchange, specs, true);
}

void JobsApi::acceptWhenDurable(const HttpExchangePtr& exchange, const QList<JobSpec>& specs, bool batch)
{
    const auto ack = std::make_shared<DurableAck>();
    const auto answer = [exchange, ack, batch] {
        if (!ack->error.isEmpty()) {
            exchange->respondError(503, QStringLiteral("storage_failed"),
                QStringLiteral("the job could not be stored: %1").arg(ack->error), { { "Retry-After", "1" } });
        } else if (batch) {
            exchange->respond(ApiReply::accepted, jsonContentType, JobJson::jobList(ack->jobs));
        } else {
            const Job& job = ack->jobs.constFirst();
            respondJob(exchange, ApiReply::accepted, job,
                { { QByteArrayLiteral("Location"), ApiReply::jobLocation(job.id) } });
        }
    };
    auto onDurable = [ack, answer, answers = m_durableAnswers](const QString& error) {
        ack->error = error;
        if (ack->state.exchange(DurableAck::DurableFirst) == DurableAck::HandlerReturned)
            answers->post(answer);
    };

    auto result = m_engine->submit(specs, onDurable, batch);
    if (auto* error = std::get_if<EngineError>(&result))
        return ApiReply::error(exchange, *error);
    ack->jobs = std::get<QList<Job>>(std::move(result));
    if (ack->state.exchange(DurableAck::HandlerReturned) == DurableAck::DurableFirst)
        answer();
    else
        exchange->defer(); // the commit callback answers
}

void JobsApi::get(const HttpExchangePtr& exchange)
{
    const auto id = ApiReply::jobId(exchange);
    if (!id)
        return;
    const auto waitMs = ApiReply::queryInteger(exchange, QStringLiteral("wait_ms"), 0, 0, Limits::maxWaitMs);
    if (!waitMs)
        return;
    const std::optional<Job> job = m_engine->job(*id);
    if (!job)
        return exchange->respondError(404, QStringLiteral("not_found"), QStringLiteral("no job with id %1").arg(*id));
    if (*waitMs == 0 || isFinished(job->status))
        return respondJob(exchange, ApiReply::ok, *job);

    // Long poll: answer when the job finishes or when wait_ms passes, whichever comes first.
    exchange->defer();
    const quint64 handle = m_engine->waitForFinish(*id, m_context, [this, exchange](const Job& finished) {
        m_longPolls.remove(exchange.get());
        respondJob(exchange, ApiReply::ok, finished);
    });
    m_longPolls.insert(exchange.get(), { exchange, *id, handle });
    QTimer::singleShot(int(*waitMs), m_context, [this, exchange] {
        if (!exchange->isAnswered())
            answerNow(m_longPolls.take(exchange.get()));
    });
}

void JobsApi::answerNow(const LongPoll& poll)
{
    m_engine->cancelWait(poll.handle);
    if (const auto current = m_engine->job(poll.id))
        respondJob(poll.exchange, ApiReply::ok, *current);
    else
        poll.exchange->respondError(404, QStringLiteral("not_found"), QStringLiteral("no job with id %1").arg(poll.id));
}

void JobsApi::answerLongPolls()
{
    const auto polls = std::exchange(m_longPolls, {});
    for (const LongPoll& poll : polls)
        answerNow(poll);
}

void JobsApi::list(const HttpExchangePtr& exchange)
{
    JobQuery query;
    const QUrlQuery& params = exchange->query();
    if (params.hasQueryItem(QStringLiteral("status"))) {
        const QString status = params.queryItemValue(QStringLiteral("status"));
        query.status = jobStatusFromString(status);
        if (!query.status)
            return ApiReply::invalid(exchange, QStringLiteral("status"),
                QStringLiteral("must be one of scheduled, queued, running, succeeded, failed, cancelled"));
    }
    query.queue = params.queryItemValue(QStringLiteral("queue"));
    query.type = params.queryItemValue(QStringLiteral("type"));
    query.errorCode = params.queryItemValue(QStringLiteral("error_code"));
    if (query.errorCode.size() > 200)
        return ApiReply::invalid(
            exchange, QStringLiteral("error_code"), QStringLiteral("must be at most 200 characters"));
    // No queue or type has a longer name: such a filter is a mistake, not an empty page.
    if (query.queue.size() > Limits::maxQueueNameLength)
        return ApiReply::invalid(exchange, QStringLiteral("queue"),
            QStringLiteral("must be at most %1 characters").arg(Limits::maxQueueNameLength));
    if (query.type.size() > Limits::maxTypeLength)
        return ApiReply::invalid(exchange, QStringLiteral("type"),
            QStringLiteral("must be at most %1 characters").arg(Limits::maxTypeLength));
    const auto limit
        = ApiReply::queryInteger(exchange, QStringLiteral("limit"), Limits::defaultListLimit, 1, Limits::maxListLimit);
    if (!limit)
        return;
    query.limit = int(*limit);
    if (params.hasQueryItem(QStringLiteral("search"))) {
        query.search = params.queryItemValue(QStringLiteral("search"), QUrl::FullyDecoded);
        const qsizetype characters = searchLength(query.search);
        if (characters < minSearchLength || characters > maxSearchLength)
            return ApiReply::invalid(exchange, QStringLiteral("search"),
                QStringLiteral("must be %1 to %2 characters").arg(minSearchLength).arg(maxSearchLength));
    }
    if (params.hasQueryItem(QStringLiteral("sort"))) {
        const auto sort = jobSortFromString(params.queryItemValue(QStringLiteral("sort")));
        if (!sort)
            return ApiReply::invalid(exchange, QStringLiteral("sort"),
                QStringLiteral("must be one of created, run_time, attempts, priority, due"));
        query.sort = *sort;
    }
    if (params.hasQueryItem(QStringLiteral("order"))) {
        const QString order = params.queryItemValue(QStringLiteral("order"));
        if (order != QLatin1StringView("asc") && order != QLatin1StringView("desc"))
            return ApiReply::invalid(exchange, QStringLiteral("order"), QStringLiteral("must be asc or desc"));
        query.ascending = order == QLatin1StringView("asc");
    }
    // Only scheduled jobs have a due time to come: the others' run_at is history, and unindexed.
    if (query.sort == JobSort::Due && query.status != JobStatus::Scheduled)
        return ApiReply::invalid(
            exchange, QStringLiteral("sort"), QStringLiteral("due lists scheduled jobs: add status=scheduled"));
    if (params.hasQueryItem(QStringLiteral("cursor"))) {
        // A cursor holds the key of its sort: one from another sort is refused, not misread.
        query.after = parseCursor(params.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded), query.sort);
        if (!query.after)
            return ApiReply::invalid(exchange, QStringLiteral("cursor"),
                QStringLiteral("must be the next_cursor of a previous page with the same sort"));
    }
    // Off the HTTP thread, and within a byte budget: a page of big jobs takes long to read and
    // write, and neither the other clients nor the memory should wait on it.
    exchange->defer();
    ThreadJoin::runInPool(m_pageBuilders, [engine = m_engine, query, exchange, answers = m_durableAnswers] {
        const JobPage page = engine->listJobs(query);
        const QByteArray body = JobJson::jobPage(page.jobs, page.nextCursor, query.sort, Limits::maxListAnswerBytes);
        answers->post([exchange, body] { exchange->respond(ApiReply::ok, jsonContentType, body); });
    });
}

void JobsApi::cancel(const HttpExchangePtr& exchange)
{
    const auto id = ApiReply::jobId(exchange);
    if (!id)
        return;
    const auto result = m_engine->cancel(*id);
    if (const auto* error = std::get_if<EngineError>(&result))
        return ApiReply::error(exchange, *error);
    const Job& job = std::get<Job>(result);
    // A running job stops cooperatively: 202 says the cancellation is under way.
    respondJob(exchange, job.status == JobStatus::Cancelled ? ApiReply::ok : ApiReply::accepted, job);
}

void JobsApi::retry(const HttpExchangePtr& exchange)
{
    const auto id = ApiReply::jobId(exchange);
    if (!id)
        return;
    const auto result = m_engine->retry(*id);
    if (const auto* error = std::get_if<EngineError>(&result))
        return ApiReply::error(exchange, *error);
    respondJob(exchange, ApiReply::accepted, std::get<Job>(result),
        { { QByteArrayLiteral("Location"), ApiReply::jobLocation(*id) } });
}

void JobsApi::runNow(const HttpExchangePtr& exchange)
{
    const auto id = ApiReply::jobId(exchange);
    if (!id)
        return;
    const auto result = m_engine->runNow(*id);
    if (const auto* error = std::get_if<EngineError>(&result))
        return ApiReply::error(exchange, *error);
    respondJob(exchange, ApiReply::ok, std::get<Job>(result));
}
