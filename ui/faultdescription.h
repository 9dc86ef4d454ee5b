#pragma once

#include "faults.h"

#include <QString>

// A fault in one line for people: "fail_attempts 30 % of queue mail, until 14:02:11".
QString describeFault(const Fault& fault);
