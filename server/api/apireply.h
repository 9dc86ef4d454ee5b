#pragma once

#include "api/httpexchange.h"
#include "engine.h"

#include <QJsonObject>

// How the API answers: JSON bodies, engine errors mapped to their HTTP status, and the
// request-body checks every JSON route shares (415, 400 malformed JSON).
namespace ApiReply {

inline constexpr int ok = 200;
inline constexpr int accepted = 202;

// The HTTP status an engine error is answered with (400, 403, 404, 409 or 503).
int httpStatus(const EngineError& error);
void error(const HttpExchangePtr& exchange, const EngineError& error);
void invalid(const HttpExchangePtr& exchange, const QString& field, const QString& message);
// The request's body as a JSON object, or nullopt after answering 415/400.
std::optional<QJsonObject> jsonBody(const HttpExchangePtr& exchange);
// Why a body with this Content-Type is not one the API takes (JSON in UTF-8), or nullopt.
std::optional<QString> jsonContentTypeProblem(QByteArrayView contentType);
// A decimal number of digits only, at most `max`; nullopt for anything else (signs, blanks).
std::optional<qint64> digitsValue(QStringView text, qint64 max);
// jsonBody() in two steps: false after answering 415 when the body is not declared as JSON;
bool hasJsonContentType(const HttpExchangePtr& exchange);
// then the body parsed, or nullopt after answering 400.
std::optional<QJsonObject> jsonObject(const HttpExchangePtr& exchange);
// A job id from the path, or nullopt after answering 404.
std::optional<JobId> jobId(const HttpExchangePtr& exchange);
// A non-negative integer query parameter within [min, max], or nullopt after answering 400.
std::optional<qint64> queryInteger(
    const HttpExchangePtr& exchange, const QString& name, qint64 fallback, qint64 min, qint64 max);
QByteArray jobLocation(JobId id);

} // namespace ApiReply
