#pragma once

#include "httpresponse.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

// Compact JSON bodies (QHttpServerResponder would indent them) and the API's error shape.
QByteArray jsonBody(const QJsonObject& object);
QByteArray jsonBody(const QJsonArray& array);
// {"error":{"code":...,"message":...}}
QByteArray jsonErrorBody(const QString& code, const QString& message);
HttpResponse jsonError(int status, const QString& code, const QString& message);

inline const QByteArray jsonContentType = QByteArrayLiteral("application/json");
