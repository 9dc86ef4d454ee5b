#pragma once

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QUrl>

#include <memory>

// A tiny HTTP client for tests: one request, wait for the answer, return what came back.
struct HttpResult
{
    int status = 0;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    qint64 elapsedMs = 0;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QByteArray header(const QByteArray& name) const
    {
        for (const auto& [key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    QString errorCode() const
    {
        return json().value(QLatin1StringView("error")).toObject().value(QLatin1StringView("code")).toString();
    }
    QString errorMessage() const
    {
        return json().value(QLatin1StringView("error")).toObject().value(QLatin1StringView("message")).toString();
    }
};

class TestHttp
{
public:
    explicit TestHttp(QUrl base = {})
        : m_base(std::move(base))
    { }
    void setBase(const QUrl& base) { m_base = base; }
    void setHeader(const QByteArray& name, const QByteArray& value) { m_extraHeaders.append({ name, value }); }

    HttpResult request(const QByteArray& method, const QString& path, const QByteArray& body = {},
        const QByteArray& contentType = "application/json", int timeoutMs = 15000)
    {
        QNetworkRequest request(m_base.resolved(QUrl(path)));
        if (!contentType.isEmpty() && (!body.isEmpty() || method == "POST"))
            request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
        for (const auto& [name, value] : std::as_const(m_extraHeaders))
            request.setRawHeader(name, value);
        QElapsedTimer timer;
        timer.start();
        std::unique_ptr<QNetworkReply> reply(m_manager.sendCustomRequest(request, method, body));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        if (!reply->isFinished() && !finished.wait(timeoutMs))
            qWarning("HTTP %s %s: no answer within %d ms", method.constData(), qPrintable(path), timeoutMs);
        HttpResult result;
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
        result.headers = reply->rawHeaderPairs();
        result.elapsedMs = timer.elapsed();
        return result;
    }
    HttpResult get(const QString& path) { return request("GET", path); }
    HttpResult post(const QString& path, const QByteArray& body) { return request("POST", path, body); }
    HttpResult postJson(const QString& path, const QJsonObject& body)
    {
        return post(path, QJsonDocument(body).toJson(QJsonDocument::Compact));
    }

private:
    QUrl m_base;
    QNetworkAccessManager m_manager;
    QList<QPair<QByteArray, QByteArray>> m_extraHeaders;
};
