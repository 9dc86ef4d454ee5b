#include "jobstatus.h"

#include <array>

namespace {
constexpr std::array<QLatin1StringView, jobStatusCount> names = {
    QLatin1StringView("scheduled"),
    QLatin1StringView("queued"),
    QLatin1StringView("running"),
    QLatin1StringView("succeeded"),
    QLatin1StringView("failed"),
    QLatin1StringView("cancelled"),
};
}

QLatin1StringView statusName(JobStatus status)
{
    const auto index = static_cast<std::size_t>(status);
    Q_ASSERT(index < names.size());
    return names[index];
}

std::optional<JobStatus> jobStatusFromString(QStringView name)
{
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (name == names[i])
            return static_cast<JobStatus>(i);
    }
    return std::nullopt;
}
