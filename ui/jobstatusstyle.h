#pragma once

#include "jobstatus.h"

#include <QColor>
#include <QIcon>

// One colour per job status, shared by the job table, the tiles and the details pane.
namespace JobStatusStyle {
QColor color(JobStatus status);
QIcon icon(JobStatus status); // a filled dot in the status colour, cached
} // namespace JobStatusStyle
