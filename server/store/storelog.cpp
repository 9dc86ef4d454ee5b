#include "storelog.h"

Q_LOGGING_CATEGORY(lcStore, "queuelab.store", QtInfoMsg)
