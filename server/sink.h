#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QList>
#include <QPair>
#include <QString>

// The built-in sink's public face: what it keeps and how it answers, and what the dashboard reads
// of it. The store itself (sink/sinkstore.h) stays inside the server.

// One answer of a sink's script: `times` answers with this status after this delay, then the
// next step; the last step answers for ever.
struct SinkStep
{
    int status = 200;
    qint64 delayMs = 0;
    int times = 1;
    QByteArray body;

    QJsonObject toJson() const;
};

// Whether a request's Standard Webhooks signature matched the server's secret.
enum class SignatureMark {
    Unchecked, // no secret is set
    Unsigned, // no webhook-signature header
    Verified,
    Invalid, // a signature that does not match, or a timestamp too far off
};
QLatin1StringView signatureMarkName(SignatureMark mark);

// One request a sink received.
struct SinkRequest
{
    quint64 seq = 0; // numbers every request of every sink, in arrival order
    qint64 receivedAt = 0; // ms since the epoch
    QByteArray method;
    QString target; // path and query, as sent
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body; // the first Limits::sinkBodyBytes
    qint64 bodyBytes = 0;
    SignatureMark signature = SignatureMark::Unchecked;
    int answeredStatus = 0;
    qint64 answeredDelayMs = 0;

    QJsonObject toJson() const;
};

struct SinkInfo
{
    QString name;
    QList<SinkStep> script; // empty: 200 at once
    quint64 received = 0; // since it was made, dropped ones included
    qsizetype kept = 0;
    quint64 lastSeq = 0; // of its newest request, 0 if none

    QJsonObject toJson() const;
};

// What a view reads of the sink (Server::sinks()). Thread-safe: the HTTP thread records while
// the dashboard reads.
class SinkReader
{
public:
    virtual ~SinkReader() = default;

    virtual QList<SinkInfo> sinks() const = 0;
    // Its kept requests with seq > afterSeq, newest first.
    virtual QList<SinkRequest> requests(const QString& name, quint64 afterSeq = 0) const = 0;
    virtual quint64 changeSeq() const = 0; // grows with every change: views poll it
};
