#pragma once

#include "job.h"

#include <QUrl>

// A shell command that submits a copy of `job` to the server at `serverUrl`, for pasting into a
// terminal. With `withToken`, an Authorization header with a placeholder for the user's token.
QString curlCommand(const QUrl& serverUrl, const Job& job, bool withToken);
// A shell command that sends again the request of one delivery attempt (JobAttempt::delivery):
// its method, URL, headers (the signature ones too, as sent) and body. Empty without a request.
QString deliveryCurlCommand(const QJsonObject& delivery);
