// libFuzzer target over job submission parsing and validation: raw body bytes -> JSON ->
// JobSpec (single) and the batch shape, as the POST /jobs and /jobs/batch handlers see them.
// Invariants: whatever is accepted lies within the documented limits; and scanJobSpec(), the
// POST /jobs fast path, answers exactly as the parser and parseJobSpec() do wherever it answers.
#include "defaultlimits.h"
#include "jobspec.h"
#include "wire/jobspecscanner.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cstdlib>

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

void checkAccepted(const JobSpec& spec)
{
    check(!spec.type.isEmpty() && spec.type.size() <= Limits::maxTypeLength);
    check(isValidQueueName(spec.queue));
    check(spec.priority >= -Limits::maxPriority && spec.priority <= Limits::maxPriority);
    check(spec.delayMs >= 0 && spec.delayMs <= Limits::maxDelayMs);
    check(spec.timeoutMs >= -1 && spec.timeoutMs <= Limits::maxTimeoutMs);
    check(spec.maxAttempts >= 1 && spec.maxAttempts <= Limits::maxAttempts);
    check(spec.idempotencyKey.size() <= Limits::maxIdempotencyKeyLength);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray body(reinterpret_cast<const char*>(data), qsizetype(size));
    const std::optional<SpecResult> scanned = scanJobSpec(body);
    const QJsonDocument document = QJsonDocument::fromJson(body);
    check(!scanned || document.isObject()); // the scanner takes only what the parser takes
    if (!document.isObject())
        return 0;
    const QJsonObject object = document.object();

    const SpecResult single = parseJobSpec(object);
    check(!scanned || *scanned == single);
    if (const auto* spec = std::get_if<JobSpec>(&single))
        checkAccepted(*spec);
    else
        check(!std::get<SpecError>(single).message.isEmpty());

    const QJsonArray jobs = object.value(QLatin1StringView("jobs")).toArray();
    for (qsizetype i = 0; i < jobs.size() && i < Limits::maxBatchJobs; ++i) {
        const QString prefix = QStringLiteral("jobs[%1].").arg(i);
        const SpecResult item = parseJobSpec(jobs[i].toObject(), prefix);
        if (const auto* spec = std::get_if<JobSpec>(&item))
            checkAccepted(*spec);
        else
            check(std::get<SpecError>(item).field.startsWith(prefix));
    }
    return 0;
}
