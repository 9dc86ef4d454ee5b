#include "sinkstore.h"

#include "defaultlimits.h"

#include <QDateTime>
#include <QJsonArray>

#include <cmath>

SinkStore::SinkStore(WebhookSignature signature)
    : m_signature(std::move(signature))
{ }

SinkStore::SinkStore(std::shared_ptr<const DeliverySettings> settings)
    : m_settings(std::move(settings))
{ }

bool SinkStore::isValidName(const QString& name)
{
    if (name.isEmpty() || name.size() > Limits::maxSinkNameLength)
        return false;
    return std::all_of(name.cbegin(), name.cend(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'-'
            || c == u'_' || c == u'.';
    });
}

std::optional<QList<SinkStep>> SinkStore::parseScript(const QJsonObject& object, QString* problem)
{
    const QJsonValue stepsValue = object.value(QLatin1StringView("steps"));
    if (!stepsValue.isArray()) {
        *problem = QStringLiteral("steps must be an array of {\"status\", \"delay_ms\", \"times\", \"body\"}");
        return std::nullopt;
    }
    const QJsonArray steps = stepsValue.toArray();
    if (steps.size() > Limits::maxSinkScriptSteps) {
        *problem = QStringLiteral("a script has at most %1 steps").arg(Limits::maxSinkScriptSteps);
        return std::nullopt;
    }
    const auto integer = [](const QJsonObject& step, QLatin1StringView name, qint64 fallback, qint64 min,
                             qint64 max) -> std::optional<qint64> {
        const QJsonValue value = step.value(name);
        if (value.isUndefined() || value.isNull())
            return fallback;
        const double number = value.toDouble(-1);
        if (!value.isDouble() || std::floor(number) != number || number < double(min) || number > double(max))
            return std::nullopt;
        return qint64(number);
    };
    QList<SinkStep> script;
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const QJsonObject step = steps.at(i).toObject();
        const auto status = integer(step, QLatin1StringView("status"), 200, 200, 599);
        const auto delay = integer(step, QLatin1StringView("delay_ms"), 0, 0, Limits::maxSinkDelayMs);
        const auto times = integer(step, QLatin1StringView("times"), 1, 1, 1000000);
        const QJsonValue body = step.value(QLatin1StringView("body"));
        if (!steps.at(i).isObject() || !status || !delay || !times || !(body.isUndefined() || body.isString())) {
            *problem = QStringLiteral("steps[%1]: status must be 200 to 599, delay_ms 0 to %2, times at least 1, and "
                                      "body a string")
                           .arg(i)
                           .arg(Limits::maxSinkDelayMs);
            return std::nullopt;
        }
        script.append(SinkStep { int(*status), *delay, int(*times), body.toString().toUtf8() });
    }
    return script;
}

SignatureMark SinkStore::check(const SinkRequest& request, qint64 nowSecs) const
{
    const WebhookSignature secret = m_settings ? m_settings->signature() : m_signature;
    if (!secret.isEnabled())
        return SignatureMark::Unchecked;
    QByteArray id, timestamp, signature;
    for (const auto& [name, value] : request.headers) {
        if (name.compare("webhook-id", Qt::CaseInsensitive) == 0)
            id = value;
        else if (name.compare("webhook-timestamp", Qt::CaseInsensitive) == 0)
            timestamp = value;
        else if (name.compare("webhook-signature", Qt::CaseInsensitive) == 0)
            signature = value;
    }
    if (signature.isEmpty())
        return SignatureMark::Unsigned;
    bool ok = false;
    const qint64 sentAt = timestamp.toLongLong(&ok);
    if (!ok || std::abs(nowSecs - sentAt) > Limits::sinkSignatureToleranceSecs)
        return SignatureMark::Invalid;
    return secret.verify(id, timestamp, request.body, signature) ? SignatureMark::Verified : SignatureMark::Invalid;
}

std::optional<SinkStep> SinkStore::record(const QString& name, SinkRequest request)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    request.receivedAt = now;
    request.bodyBytes = request.body.size();
    request.signature = check(request, now / 1000);
    request.body.truncate(Limits::sinkBodyBytes);

    QMutexLocker lock(&m_mutex);
    auto it = m_sinks.find(name);
    if (it == m_sinks.end()) {
        if (qsizetype(m_sinks.size()) >= Limits::maxSinks)
            return std::nullopt;
        it = m_sinks.emplace(name, Sink {}).first;
    }
    Sink& sink = it->second;
    SinkStep answer;
    if (!sink.script.isEmpty()) {
        answer = sink.script.at(sink.step);
        if (++sink.answeredInStep >= answer.times && sink.step + 1 < sink.script.size()) {
            ++sink.step;
            sink.answeredInStep = 0;
        }
    }
    request.seq = ++m_seq;
    request.answeredStatus = answer.status;
    request.answeredDelayMs = answer.delayMs;
    m_keptBytes += request.body.size();
    sink.requests.push_back(std::move(request));
    ++sink.received;
    if (sink.requests.size() > std::size_t(Limits::sinkRequests)) {
        m_keptBytes -= sink.requests.front().body.size();
        sink.requests.pop_front();
    }
    while (m_keptBytes > Limits::sinkKeptBytes)
        dropOldestLocked();
    ++m_changeSeq;
    return answer;
}

void SinkStore::dropOldestLocked()
{
    Sink* oldest = nullptr;
    for (auto& [name, sink] : m_sinks) {
        if (!sink.requests.empty() && (!oldest || sink.requests.front().seq < oldest->requests.front().seq))
            oldest = &sink;
    }
    if (!oldest)
        return;
    m_keptBytes -= oldest->requests.front().body.size();
    oldest->requests.pop_front();
}

SinkInfo SinkStore::infoLocked(const QString& name, const Sink& sink) const
{
    return SinkInfo { name, sink.script, sink.received, qsizetype(sink.requests.size()),
        sink.requests.empty() ? 0 : sink.requests.back().seq };
}

QList<SinkInfo> SinkStore::sinks() const
{
    QMutexLocker lock(&m_mutex);
    QList<SinkInfo> list;
    for (const auto& [name, sink] : m_sinks)
        list.append(infoLocked(name, sink));
    return list;
}

std::optional<SinkInfo> SinkStore::info(const QString& name) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_sinks.find(name);
    if (it == m_sinks.end())
        return std::nullopt;
    return infoLocked(name, it->second);
}

QList<SinkRequest> SinkStore::requests(const QString& name, quint64 afterSeq) const
{
    QMutexLocker lock(&m_mutex);
    QList<SinkRequest> list;
    const auto it = m_sinks.find(name);
    if (it == m_sinks.end())
        return list;
    for (auto request = it->second.requests.rbegin(); request != it->second.requests.rend(); ++request) {
        if (request->seq <= afterSeq)
            break;
        list.append(*request);
    }
    return list;
}

bool SinkStore::setScript(const QString& name, const QList<SinkStep>& script)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_sinks.find(name);
    if (it == m_sinks.end()) {
        if (qsizetype(m_sinks.size()) >= Limits::maxSinks)
            return false;
        it = m_sinks.emplace(name, Sink {}).first;
    }
    it->second.script = script;
    it->second.step = 0;
    it->second.answeredInStep = 0;
    ++m_changeSeq;
    return true;
}

bool SinkStore::remove(const QString& name)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_sinks.find(name);
    if (it == m_sinks.end())
        return false;
    for (const SinkRequest& request : it->second.requests)
        m_keptBytes -= request.body.size();
    m_sinks.erase(it);
    ++m_changeSeq;
    return true;
}

quint64 SinkStore::changeSeq() const
{
    QMutexLocker lock(&m_mutex);
    return m_changeSeq;
}
