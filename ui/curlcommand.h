#pragma once

#include "job.h"

#include <QUrl>

// A shell command that submits a copy of `job` to the server at `serverUrl`, for pasting into a
// terminal. With `withToken`, an Authorization header with a placeholder for the user's token.
QString curlCommand(const QUrl& serverUrl, const Job& job, bool withToken);
