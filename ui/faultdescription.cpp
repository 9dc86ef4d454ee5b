#include "faultdescription.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QStringList>

QString describeFault(const Fault& fault)
{
    const FaultSpec& spec = fault.spec;
    QStringList scope;
    if (!spec.queue.isEmpty())
        scope.append(QCoreApplication::translate("Faults", "queue %1").arg(spec.queue));
    if (!spec.jobType.isEmpty())
        scope.append(QCoreApplication::translate("Faults", "type %1").arg(spec.jobType));
    if (!spec.worker.isEmpty())
        scope.append(QCoreApplication::translate("Faults", "worker %1").arg(spec.worker));
    QString text = QStringLiteral("#%1 %2").arg(fault.id, faultKindName(spec.kind));
    if (spec.share < 1)
        text += QStringLiteral(" %1 %").arg(spec.share * 100, 0, 'g', 3);
    if (spec.kind == FaultKind::RunLatency || spec.kind == FaultKind::HttpLatency)
        text += spec.maxMs > spec.minMs ? QStringLiteral(" %1–%2 ms").arg(spec.minMs).arg(spec.maxMs)
                                        : QStringLiteral(" %1 ms").arg(spec.minMs);
    text += scope.isEmpty() ? QCoreApplication::translate("Faults", " (everything)")
                            : QStringLiteral(" (%1)").arg(scope.join(QStringLiteral(", ")));
    if (fault.endsAt > 0)
        text += QCoreApplication::translate("Faults", ", until %1")
                    .arg(QDateTime::fromMSecsSinceEpoch(fault.endsAt).toString(QStringLiteral("HH:mm:ss")));
    return text;
}
