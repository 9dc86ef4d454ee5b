#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

// One HTTP request to deliver: what an http job's payload asks for, or a completion callback.
struct DeliveryRequest
{
    QUrl url;
    QByteArray method = "POST";
    QList<QPair<QByteArray, QByteArray>> headers; // in order, as given
    QByteArray body;
    qint64 timeoutMs = 0; // the whole exchange, from sending to the last byte of the answer

    // The signature's message id: the same for every attempt of one message, as receivers
    // deduplicate on it (Standard Webhooks).
    QByteArray messageId;
    // X-QueueLab-Job-Id, -Attempt and -Queue
    qint64 jobId = 0;
    int attempt = 0;
    QString queue;
};

// The payload of an `http` job: {"url", "method", "headers", "body", "timeout_ms"}.
namespace HttpPayload {
inline constexpr qint64 defaultTimeoutMs = 30000;
// The request the payload describes, or a message saying which field is wrong and why.
struct Parsed
{
    DeliveryRequest request;
    QString problem;
};
Parsed parse(const QJsonValue& payload);
QJsonValue example();
} // namespace HttpPayload
