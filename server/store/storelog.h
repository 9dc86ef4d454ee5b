#pragma once

#include <QLoggingCategory>

// Log category of the SQLite store: write failures, pruning, open problems.
Q_DECLARE_LOGGING_CATEGORY(lcStore)
