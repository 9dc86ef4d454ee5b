#include "deliveryservice.h"

#include "defaultlimits.h"
#include "engine/queuedcall.h"
#include "engine/threadjoin.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QTimer>

struct DeliveryService::Flight
{
    DeliveryRequest request;
    std::shared_ptr<const CancelToken> token;
    Done done;
    QString target; // scheme://host:port: the unit of the per-target limit
    QJsonObject sent; // the request as it went out
    QNetworkReply* reply = nullptr;
    QTimer* timeout = nullptr;
    QElapsedTimer clock;
    qint64 firstByteMs = -1;
    QByteArray preview;
    qint64 bodyBytes = 0;
    bool timedOut = false;
};

namespace {

QJsonValue preview(const QByteArray& bytes)
{
    return QString::fromUtf8(bytes.left(Limits::deliveryPreviewBytes));
}

QJsonObject headersJson(const QList<QPair<QByteArray, QByteArray>>& headers)
{
    QJsonObject object;
    for (const auto& [name, value] : headers) {
        const QString key = QString::fromLatin1(name);
        const QString text = QString::fromUtf8(value);
        const QString before = object.value(key).toString();
        object.insert(key, before.isEmpty() ? text : before + QStringLiteral(", ") + text);
    }
    return object;
}

} // namespace

DeliveryService::DeliveryService(std::shared_ptr<const DeliverySettings> settings)
    : m_settings(std::move(settings))
{
    m_thread.setObjectName(QStringLiteral("queuelab-delivery"));
    ThreadJoin::markJoinable(m_thread);
}

DeliveryService::~DeliveryService()
{
    if (!m_context)
        return;
    QueuedCall::invoke(
        m_context,
        [this] {
            m_waiting.clear();
            const auto flights = std::exchange(m_flights, {});
            for (const auto& flight : flights) {
                flight->done = nullptr;
                flight->reply->abort();
            }
            delete m_manager; // on its own thread
            delete m_sweep;
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    ThreadJoin::waitJoined(m_thread);
    delete m_context;
}

void DeliveryService::deliver(DeliveryRequest request, std::shared_ptr<const CancelToken> token, Done done)
{
    {
        // Started on first use: an engine that delivers nothing has no delivery thread.
        QMutexLocker lock(&m_startMutex);
        if (!m_context) {
            m_context = new QObject;
            m_context->moveToThread(&m_thread);
            m_thread.start();
        }
    }
    auto flight = std::make_shared<Flight>();
    flight->request = std::move(request);
    flight->token = std::move(token);
    flight->done = std::move(done);
    QueuedCall::invoke(m_context, [this, flight] { enqueue(flight); });
}

void DeliveryService::enqueue(const std::shared_ptr<Flight>& flight)
{
    if (!m_manager) {
        m_manager = new QNetworkAccessManager(m_context);
        m_manager->setProxy(QNetworkProxy::NoProxy);
        m_sweep = new QTimer(m_context);
        m_sweep->setInterval(Limits::deliverySweepMs);
        QObject::connect(m_sweep, &QTimer::timeout, m_context, [this] { sweep(); });
    }
    const QUrl& url = flight->request.url;
    flight->target = url.scheme() + QStringLiteral("://") + url.host() + u':'
        + QString::number(url.port(url.scheme() == QLatin1StringView("https") ? 443 : 80));
    int& sending = m_sending[flight->target];
    if (sending < Limits::deliveriesPerTarget) {
        ++sending;
        send(flight);
    } else {
        m_waiting[flight->target].push_back(flight);
    }
    sweepWhileBusy();
}

void DeliveryService::send(const std::shared_ptr<Flight>& flight)
{
    const DeliveryRequest& request = flight->request;
    QNetworkRequest http(request.url);
    http.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    http.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    http.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    http.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    http.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    QList<QPair<QByteArray, QByteArray>> headers = request.headers;
    headers.append({ "X-QueueLab-Job-Id", QByteArray::number(request.jobId) });
    headers.append({ "X-QueueLab-Attempt", QByteArray::number(request.attempt) });
    headers.append({ "X-QueueLab-Queue", request.queue.toUtf8() });
    if (const WebhookSignature signature = m_settings->signature(); signature.isEnabled()) {
        const qint64 timestamp = QDateTime::currentSecsSinceEpoch();
        headers.append({ "webhook-id", request.messageId });
        headers.append({ "webhook-timestamp", QByteArray::number(timestamp) });
        headers.append({ "webhook-signature", signature.sign(request.messageId, timestamp, request.body) });
    }
    for (const auto& [name, value] : std::as_const(headers))
        http.setRawHeader(name, value);
    flight->sent = QJsonObject {
        { QStringLiteral("method"), QString::fromLatin1(request.method) },
        { QStringLiteral("url"), request.url.toString() },
        { QStringLiteral("headers"), headersJson(headers) },
        { QStringLiteral("body"), preview(request.body) },
        { QStringLiteral("body_bytes"), request.body.size() },
    };

    flight->clock.start();
    QNetworkReply* reply = m_manager->sendCustomRequest(http, request.method, request.body);
    flight->reply = reply;
    QObject::connect(reply, &QNetworkReply::metaDataChanged, m_context, [flight] {
        if (flight->firstByteMs < 0)
            flight->firstByteMs = flight->clock.elapsed();
    });
    QObject::connect(reply, &QIODevice::readyRead, m_context, [flight] {
        const QByteArray bytes = flight->reply->readAll();
        flight->bodyBytes += bytes.size();
        if (flight->preview.size() < Limits::deliveryPreviewBytes)
            flight->preview += bytes.left(Limits::deliveryPreviewBytes - flight->preview.size());
    });
    QObject::connect(reply, &QNetworkReply::finished, m_context, [this, flight] { finish(flight); });
    flight->timeout = new QTimer(reply);
    flight->timeout->setSingleShot(true);
    QObject::connect(flight->timeout, &QTimer::timeout, m_context, [flight] {
        flight->timedOut = true;
        flight->reply->abort();
    });
    flight->timeout->start(int(std::min<qint64>(request.timeoutMs, std::numeric_limits<int>::max())));
    m_flights.append(flight);
}

void DeliveryService::sweepWhileBusy()
{
    const bool busy = !m_flights.isEmpty() || !m_waiting.isEmpty();
    if (busy && !m_sweep->isActive())
        m_sweep->start();
    else if (!busy)
        m_sweep->stop();
}

void DeliveryService::sweep()
{
    // A token has no signal (built-in handlers poll it too): stopped deliveries are found here.
    for (const auto& flight : std::as_const(m_flights)) {
        if (flight->token && flight->token->isStopped() && flight->reply->isRunning())
            flight->reply->abort();
    }
    QList<std::shared_ptr<Flight>> stopped;
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        auto& queue = it.value();
        for (auto flight = queue.begin(); flight != queue.end();) {
            if ((*flight)->token && (*flight)->token->isStopped()) {
                stopped.append(*flight);
                flight = queue.erase(flight);
            } else {
                ++flight;
            }
        }
        it = queue.empty() ? m_waiting.erase(it) : std::next(it);
    }
    for (const auto& flight : std::as_const(stopped)) {
        DeliveryResult result;
        result.error
            = JobError { QStringLiteral("stopped"), QStringLiteral("the delivery was stopped before it was sent") };
        result.record = QJsonObject { { QStringLiteral("error"), result.error->toJson() } };
        complete(flight, result);
    }
    sweepWhileBusy();
}

void DeliveryService::complete(const std::shared_ptr<Flight>& flight, DeliveryResult result)
{
    if (const Done done = std::exchange(flight->done, nullptr))
        done(result);
}

void DeliveryService::finish(const std::shared_ptr<Flight>& flight)
{
    m_flights.removeOne(flight);
    QNetworkReply* reply = flight->reply;
    reply->deleteLater();
    flight->timeout->stop();
    // The target's next waiting request goes out now.
    auto waiting = m_waiting.find(flight->target);
    if (waiting != m_waiting.end()) {
        const std::shared_ptr<Flight> next = waiting->front();
        waiting->pop_front();
        if (waiting->empty())
            m_waiting.erase(waiting);
        send(next);
    } else if (--m_sending[flight->target] == 0) {
        m_sending.remove(flight->target);
    }
    sweepWhileBusy();
    if (!flight->done)
        return;
    const QByteArray rest = reply->isOpen() ? reply->readAll() : QByteArray(); // closed once aborted
    flight->bodyBytes += rest.size();
    if (flight->preview.size() < Limits::deliveryPreviewBytes)
        flight->preview += rest.left(Limits::deliveryPreviewBytes - flight->preview.size());

    DeliveryResult result;
    const qint64 totalMs = flight->clock.elapsed();
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    QJsonObject record {
        { QStringLiteral("request"), flight->sent },
        { QStringLiteral("time_to_first_byte_ms"),
            flight->firstByteMs >= 0 ? QJsonValue(flight->firstByteMs) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("total_ms"), totalMs },
    };
    const bool answered
        = status.isValid() && !flight->timedOut && reply->error() != QNetworkReply::OperationCanceledError;
    if (answered) {
        result.status = status.toInt();
        const QString reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        record.insert(QStringLiteral("response"),
            QJsonObject {
                { QStringLiteral("status"), result.status },
                { QStringLiteral("reason"), reason },
                { QStringLiteral("headers"), headersJson(reply->rawHeaderPairs()) },
                { QStringLiteral("body"), preview(flight->preview) },
                { QStringLiteral("body_bytes"), flight->bodyBytes },
            });
        if (result.status >= 300 && result.status < 400) {
            const QByteArray location = reply->rawHeader("Location");
            result.error = JobError { QStringLiteral("http_redirect"),
                QStringLiteral("answered %1 %2: redirects are not followed (Location: %3)")
                    .arg(result.status)
                    .arg(reason, QString::fromUtf8(location)) };
        } else if (reply->error() != QNetworkReply::NoError
            && reply->error() < QNetworkReply::ProxyConnectionRefusedError) {
            // A 2xx whose body broke off (the connection closed early) is not a delivery.
            result.error = JobError { QStringLiteral("connection_failed"), reply->errorString() };
        } else if (result.status < 200 || result.status >= 300) {
            result.error = JobError { QStringLiteral("http_status"),
                QStringLiteral("answered %1 %2").arg(result.status).arg(reason) };
        }
    } else if (flight->timedOut) {
        result.error = JobError { QStringLiteral("delivery_timeout"),
            QStringLiteral("no complete answer within %1 ms (payload.timeout_ms)").arg(flight->request.timeoutMs) };
    } else if (reply->error() == QNetworkReply::OperationCanceledError) {
        result.error = JobError { QStringLiteral("stopped"), QStringLiteral("the delivery was stopped") };
    } else {
        result.error = JobError { QStringLiteral("connection_failed"), reply->errorString() };
    }
    if (result.error)
        record.insert(QStringLiteral("error"), result.error->toJson());
    result.record = record;
    complete(flight, std::move(result));
}
