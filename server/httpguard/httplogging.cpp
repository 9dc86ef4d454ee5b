#include "httplogging.h"

// Info and up by default: per-request debug lines (each refusal) only when asked for with QT_LOGGING_RULES.
Q_LOGGING_CATEGORY(lcHttp, "queuelab.http", QtInfoMsg)
