#include "jobstatusstyle.h"

#include <QPainter>
#include <QPixmap>

#include <array>

namespace JobStatusStyle {

QColor color(JobStatus status)
{
    switch (status) {
    case JobStatus::Scheduled:
        return QColor(0x8e, 0x7c, 0xc3);
    case JobStatus::Queued:
        return QColor(0x3d, 0x7e, 0xd6);
    case JobStatus::Running:
        return QColor(0xe0, 0x9b, 0x1a);
    case JobStatus::Succeeded:
        return QColor(0x2f, 0xa0, 0x5a);
    case JobStatus::Failed:
        return QColor(0xd6, 0x45, 0x45);
    case JobStatus::Cancelled:
        return QColor(0x8a, 0x8f, 0x98);
    }
    Q_UNREACHABLE();
}

QIcon icon(JobStatus status)
{
    static std::array<QIcon, jobStatusCount> icons;
    QIcon& cached = icons[std::size_t(status)];
    if (cached.isNull()) {
        QPixmap pixmap(32, 32);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(color(status));
        painter.drawEllipse(QRectF(7, 7, 18, 18));
        cached = QIcon(pixmap);
    }
    return cached;
}

} // namespace JobStatusStyle
