#pragma once

#include "jobspec.h"

#include <QByteArrayView>

#include <optional>

// POST /jobs without the JSON tree: reads the usual submission straight from the body bytes.
// The usual one is one object of job fields whose strings are printable ASCII without escapes,
// whose numbers are plain integers and whose payload is an object, an array or null. For any
// other body it returns nullopt, and QJsonDocument with parseJobSpec() decide, errors and all.
// Where it answers, it answers as they would: fuzz_jobspec checks that on every input it takes.
//
// Building a JSON tree was a large share of the HTTP thread's work per POST /jobs (figures in
// docs/performance.md).
std::optional<SpecResult> scanJobSpec(QByteArrayView body);
