#include "httpjson.h"

#include <QJsonDocument>

QByteArray jsonBody(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray jsonBody(const QJsonArray& array)
{
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QByteArray jsonErrorBody(const QString& code, const QString& message)
{
    return jsonBody(QJsonObject { { QStringLiteral("error"),
        QJsonObject { { QStringLiteral("code"), code }, { QStringLiteral("message"), message } } } });
}

HttpResponse jsonError(int status, const QString& code, const QString& message)
{
    HttpResponse response;
    response.status = status;
    response.contentType = jsonContentType;
    response.body = jsonErrorBody(code, message);
    return response;
}
